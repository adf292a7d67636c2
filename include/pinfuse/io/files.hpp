#pragma once
// Reading and writing whole files with every step checked: a failure is an
// input_error naming the path and the reason, never a silent short file.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "pinfuse/core/error.hpp"

namespace pinfuse::io {

/// The whole of a regular file; a missing, unreadable or non-regular path
/// (a directory, say) is an input_error naming it and the reason.
inline std::string read_text_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw input_error(path, "is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(path, std::string("cannot open the file: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw input_error(path, "cannot read the file");
  return text.str();
}

/// Writes `text` to `path` (replacing it), checking the open, the write, the
/// flush and the close: a full disk (/dev/full) or a bad path is an input_error.
inline void write_text_file(const std::string& path, const std::string& text) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw input_error(path, "is a directory, not a file");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw input_error(path, std::string("cannot open the file for writing: ") + std::strerror(errno));
  errno = 0;
  bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  written = std::fflush(f) == 0 && written;
  const int write_errno = errno;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed)
    throw input_error(path, std::string("cannot write the file: ") + std::strerror(write_errno ? write_errno : errno));
}

}  // namespace pinfuse::io
