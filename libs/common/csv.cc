#include "libs/common/csv.h"

namespace chatrec {

bool CsvReader::Next(std::vector<std::string>* fields, bool* unterminated) {
  fields->clear();
  *unterminated = false;
  std::string line;
  if (!std::getline(*in_, line)) return false;
  ++line_;
  record_line_ = line_;
  std::string field;
  bool in_quotes = false;
  while (true) {
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (in_quotes) {
        if (c == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field.push_back('"');
            ++i;
          } else {
            in_quotes = false;
          }
        } else {
          field.push_back(c);
        }
      } else if (c == '"') {
        in_quotes = true;
      } else if (c == sep_) {
        fields->push_back(std::move(field));
        field.clear();
      } else if (c != '\r') {
        field.push_back(c);
      }
    }
    if (!in_quotes) break;
    // A quoted field continues on the next physical line.
    if (!std::getline(*in_, line)) {
      *unterminated = true;
      break;
    }
    ++line_;
    field.push_back('\n');
  }
  fields->push_back(std::move(field));
  return true;
}

}  // namespace chatrec
