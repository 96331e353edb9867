// A small RFC-4180 CSV reader: quoted fields may hold separators, quotes ("")
// and newlines. Reads one record at a time so that callers can skip bad ones.
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace chatrec {

class CsvReader {
 public:
  explicit CsvReader(std::istream* in, char sep = ',') : in_(in), sep_(sep) {}
  // Reads the next record into `fields`. Returns false at end of input.
  // `*unterminated` is set when the input ended inside a quoted field.
  bool Next(std::vector<std::string>* fields, bool* unterminated);
  // Physical line number where the last record started (1-based).
  int record_line() const { return record_line_; }

 private:
  std::istream* in_;
  char sep_;
  int line_ = 0;
  int record_line_ = 0;
};

}  // namespace chatrec
