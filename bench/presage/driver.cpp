// A line-protocol driver around libpresage, so the benchmark can query Presage from Python.
//
// Usage: presage_driver CONFIG.xml
// Each request is one line of stdin: the text before the cursor, with "\n" and "\\" escaped as
// "\\n" and "\\\\". Each reply is one line of stdout:
//   MICROSECONDS \t PREFIX \t SUGGESTION1 \t SUGGESTION2 ...
// where MICROSECONDS is the time of Presage::predict() alone and PREFIX is the partial word
// Presage saw. A line "#quit" ends the driver.
#include <presage.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

class Context : public PresageCallback {
 public:
  std::string past;
  std::string get_past_stream() const override { return past; }
  std::string get_future_stream() const override { return std::string(); }
};

static std::string unescape(const std::string& line) {
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      char next = line[++i];
      out += next == 'n' ? '\n' : next;
    } else {
      out += line[i];
    }
  }
  return out;
}

static std::string clean(const std::string& s) {
  std::string out;
  for (char c : s) out += (c == '\t' || c == '\n') ? ' ' : c;
  return out;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: presage_driver CONFIG.xml" << std::endl;
    return 2;
  }
  std::ios::sync_with_stdio(false);
  Context context;
  try {
    Presage presage(&context, argv[1]);
    std::cout << "ready" << std::endl;
    std::string line;
    while (std::getline(std::cin, line)) {
      if (line == "#quit") break;
      context.past = unescape(line);
      auto start = std::chrono::steady_clock::now();
      std::vector<std::string> words = presage.predict();
      auto stop = std::chrono::steady_clock::now();
      long micros = std::chrono::duration_cast<std::chrono::microseconds>(stop - start).count();
      std::cout << micros << '\t' << clean(presage.prefix());
      for (const auto& w : words) std::cout << '\t' << clean(w);
      std::cout << '\n' << std::flush;
    }
  } catch (PresageException& e) {
    std::cerr << "presage error: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
