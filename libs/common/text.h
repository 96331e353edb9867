// Text helpers shared by the loaders and the language understanding.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chatrec {

// ISO-8859-1 bytes to UTF-8 (MovieLens 100K files are Latin-1).
std::string Latin1ToUtf8(std::string_view in);

// Lower-case ASCII letters, turn accented Latin-1 letters in UTF-8 into their base
// letter, and replace punctuation by spaces; collapses runs of spaces.
std::string NormalizeForMatch(std::string_view in);

// Splits on single characters, keeping empty fields.
std::vector<std::string> SplitFields(std::string_view line, char sep);

// "Tom_Hanks" -> "Tom Hanks"; "John_Wood_(English_actor)" -> "John Wood".
std::string NameFromResource(std::string_view local_name);

// Last path segment of a URI: "http://dbpedia.org/resource/Tom_Hanks" -> "Tom_Hanks".
std::string LocalName(std::string_view uri);

}  // namespace chatrec
