// Seeded random inputs for the three parsers of outside text — target specs, CSV tables and .npy
// headers — in process, plus a few through the CLI. Each input must either parse into something
// consistent or be refused with a manychains::error carrying a message: no crash, no hang, no
// other exception type. Bounded by input counts and a wall-clock budget (well under a minute).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "manychains/error.hpp"
#include "manychains/io/csv.hpp"
#include "manychains/io/npy.hpp"
#include "manychains/targets.hpp"
#include "target_spec.hpp"
#include "test_support.hpp"

using manychains::testing::cli;
using manychains::testing::run_command;
using manychains::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

using rng = std::mt19937_64;

/// Stops a fuzz loop after its share of the time budget (the counts alone keep it far below).
class budget {
 public:
  explicit budget(double seconds)
      : end_(std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(seconds * 1000))) {}
  bool left() const { return std::chrono::steady_clock::now() < end_; }

 private:
  std::chrono::steady_clock::time_point end_;
};

template <class T>
const T& pick(rng& g, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(g)];
}

bool chance(rng& g, double p) { return std::uniform_real_distribution<double>(0, 1)(g) < p; }

/// A random byte, biased toward the characters the parsers treat specially.
char random_char(rng& g) {
  static const std::string special = ",:=;/.-+eE0123456789 \t\r\n\"'()[]{}\x93\xEF\xBB\xBF";
  if (chance(g, 0.7)) return special[std::uniform_int_distribution<std::size_t>(0, special.size() - 1)(g)];
  return static_cast<char>(std::uniform_int_distribution<int>(0, 255)(g));
}

/// Inserts, deletes or replaces a few bytes.
std::string mutate(rng& g, std::string s) {
  const int edits = std::uniform_int_distribution<int>(1, 4)(g);
  for (int e = 0; e < edits; ++e) {
    const std::size_t at = s.empty() ? 0 : std::uniform_int_distribution<std::size_t>(0, s.size() - 1)(g);
    switch (std::uniform_int_distribution<int>(0, 2)(g)) {
      case 0: s.insert(s.begin() + std::ptrdiff_t(std::min(at, s.size())), random_char(g)); break;
      case 1: if (!s.empty()) s.erase(at, 1); break;
      default: if (!s.empty()) s[at] = random_char(g); break;
    }
  }
  return s;
}

/// A number as a user or an adversary might write it.
std::string random_number(rng& g) {
  static const std::vector<std::string> edge = {
      "0", "1", "2", "3", "-1", "-0", "+2", "0.5", "1e-300", "1e300", "1e400", "-1e400", "nan", "inf", "-inf",
      "99999999999999999999", "18446744073709551615", "18446744073709551616", "9007199254740993", "1e23",
      "4611686018427387904", "0x10", "1,5", "", " ", "abc", "2.5e", "1e3", "1000000000", "100000000000"};
  if (chance(g, 0.6)) return pick(g, edge);
  return std::to_string(std::uniform_int_distribution<int>(-5, 64)(g)) +
         (chance(g, 0.3) ? "." + std::to_string(std::uniform_int_distribution<int>(0, 99)(g)) : "");
}

std::string random_spec(rng& g) {
  static const std::vector<std::string> names = {"gaussian", "mixture", "funnel", "rosenbrock", "oring",
                                                 "logistic", "nosuch", "", "GAUSSIAN"};
  static const std::vector<std::string> keys = {"dim",   "mean",  "scale", "rho", "cov",   "means",
                                                "weights", "scales", "a",    "b",   "logb",  "data",
                                                "prior_scale", "intercept", "",  "dim ", "x"};
  std::string s = pick(g, names);
  if (chance(g, 0.85)) {
    s += ':';
    const int items = std::uniform_int_distribution<int>(0, 4)(g);
    for (int i = 0; i < items; ++i) {
      if (i) s += ',';
      s += pick(g, keys) + '=';
      const int parts = std::uniform_int_distribution<int>(1, 3)(g);
      for (int p = 0; p < parts; ++p) s += (p ? (chance(g, 0.5) ? ";" : "/") : "") + random_number(g);
    }
  }
  return chance(g, 0.3) ? mutate(g, s) : s;
}

/// A size the fuzzer may not make the library build for real: a valid but merely large
/// dimension (5 to 9 digits) runs rather than fails, and that is not what is tested here.
bool asks_for_a_large_valid_size(const std::string& spec) {
  std::size_t run = 0;
  for (char c : spec) {
    run = (c >= '0' && c <= '9') ? run + 1 : 0;
    if (run >= 5 && run <= 9) return true;
  }
  return false;
}

/// A refusal must be a manychains::error with a message.
template <class F>
void expect_parsed_or_refused(const std::string& input, F f) {
  try {
    f();
  } catch (const manychains::error& e) {
    EXPECT_GT(std::string(e.what()).size(), 0u) << input;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "input " << ::testing::PrintToString(input) << " threw " << typeid(e).name() << ": " << e.what();
  }
}

TEST(InputFuzz, TargetSpecs) {
  rng g(20261202);
  const budget time_left(12.0);
  int tried = 0;
  for (int i = 0; i < 20000 && time_left.left(); ++i) {
    const std::string spec = random_spec(g);
    if (asks_for_a_large_valid_size(spec)) continue;
    ++tried;
    expect_parsed_or_refused(spec, [&] {
      const manychains::any_target t = manychains::make_target(spec);
      const auto& info = manychains::info_of(t);
      ASSERT_GE(info.dim, 1u) << spec;
      ASSERT_EQ(info.parameter_names.size(), info.dim) << spec;
      ASSERT_EQ(info.init_center.size(), info.dim) << spec;
      for (double r : info.init_radius) ASSERT_TRUE(std::isfinite(r)) << spec;
    });
    // The spec parser alone, on every key.
    expect_parsed_or_refused(spec, [&] {
      const manychains::target_spec parsed(spec);
      for (const char* key : {"dim", "mean", "a", "weights"}) {
        if (!parsed.has(key)) continue;
        try {
          const std::size_t n = parsed.count_or(key, 1);
          ASSERT_GE(n, 1u);
          ASSERT_LE(n, manychains::target_spec::max_count);
        } catch (const manychains::input_error&) {
        }
        parsed.vectors(key);
      }
    });
  }
  EXPECT_GT(tried, 1000);
}

std::string random_csv(rng& g) {
  std::string s;
  if (chance(g, 0.2)) s += "\xEF\xBB\xBF";
  const int cols = std::uniform_int_distribution<int>(1, 5)(g), rows = std::uniform_int_distribution<int>(0, 8)(g);
  if (chance(g, 0.5)) {
    for (int c = 0; c < cols; ++c) s += (c ? "," : "") + std::string(chance(g, 0.2) ? "\"n" : "n") + std::to_string(c);
    s += chance(g, 0.2) ? "\r\n" : "\n";
  }
  for (int r = 0; r < rows; ++r) {
    const int here = chance(g, 0.1) ? cols + 1 : cols;
    for (int c = 0; c < here; ++c) s += (c ? "," : "") + random_number(g);
    s += chance(g, 0.2) ? "\r\n" : (chance(g, 0.1) ? "\n\n" : "\n");
  }
  return chance(g, 0.4) ? mutate(g, s) : s;
}

TEST(InputFuzz, CsvTables) {
  rng g(7);
  const budget time_left(8.0);
  for (int i = 0; i < 20000 && time_left.left(); ++i) {
    const std::string text = random_csv(g);
    expect_parsed_or_refused(text, [&] {
      std::istringstream in(text);
      const manychains::numeric_table t = manychains::read_csv(in, "fuzz.csv");
      ASSERT_GE(t.rows, 1u);
      ASSERT_EQ(t.values.size(), t.rows * t.cols);
      ASSERT_EQ(t.column_names.size(), t.cols);
      for (double v : t.values) ASSERT_TRUE(std::isfinite(v));
      if (!t.column_names.empty()) ASSERT_NE(t.column_names[0].rfind("\xEF\xBB\xBF", 0), 0u);
    });
  }
}

/// The bytes of a .npy file: a header (maybe mutated) and a body of some size.
std::string random_npy(rng& g) {
  static const std::vector<std::string> dims = {"0",          "1",          "2",          "3",
                                                "7",          "4294967296", "2305843009213693952",
                                                "4611686018427387904",      "18446744073709551615",
                                                "18446744073709551616",     "-1",         "1e3",    " 5", "0x2"};
  static const std::vector<std::string> descrs = {"<f8", "<f4", "<i8", "<i4", "<i2", "|i1", "|u1", "|b1",
                                                  "<u4", "<u8", ">f8", "<c16", "O", "<f8'"};
  std::string shape = "(";
  const int ndim = std::uniform_int_distribution<int>(0, 4)(g);
  std::uint64_t count = 1;  // wraps around like a naive product would
  for (int d = 0; d < ndim; ++d) {
    const std::string dim = chance(g, 0.7) ? std::to_string(std::uniform_int_distribution<int>(0, 6)(g)) : pick(g, dims);
    shape += (d ? ", " : "") + dim;
    count *= std::strtoull(dim.c_str(), nullptr, 10);
  }
  shape += ndim == 1 ? ",)" : ")";
  const std::string descr = pick(g, descrs);
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': " + (chance(g, 0.9) ? "False" : "True") +
                     ", 'shape': " + shape + ", }";
  if (chance(g, 0.3)) dict = mutate(g, dict);
  dict.append((64 - (10 + dict.size() + 1) % 64) % 64, ' ');
  dict += '\n';
  const int version = chance(g, 0.9) ? 1 : std::uniform_int_distribution<int>(0, 4)(g);
  std::string bytes = std::string("\x93NUMPY", 6) + char(version) + '\0';
  std::uint64_t len = dict.size();
  if (chance(g, 0.1)) len = std::uniform_int_distribution<std::uint64_t>(0, 0xffffffff)(g);
  bytes += char(len & 0xff);
  bytes += char((len >> 8) & 0xff);
  if (version >= 2) {
    bytes += char((len >> 16) & 0xff);
    bytes += char((len >> 24) & 0xff);
  }
  bytes += dict;
  // Mostly the right body size for the shape (when it is small), else something near it.
  const std::size_t item = descr.find('8') != std::string::npos ? 8 : descr.find('4') != std::string::npos ? 4 : 1;
  // A huge shape whose naive (wrapped) byte count is small gets exactly that many bytes: a
  // reader that multiplies without checking would accept it.
  const std::uint64_t wrapped = count * item;
  std::size_t body = wrapped < 4096 ? wrapped : std::uniform_int_distribution<std::size_t>(0, 256)(g);
  if (chance(g, 0.2)) body = std::uniform_int_distribution<std::size_t>(0, 256)(g);
  bytes.append(body, '\x01');
  if (chance(g, 0.1)) bytes.resize(std::uniform_int_distribution<std::size_t>(0, bytes.size())(g));
  return bytes;
}

TEST(InputFuzz, NpyHeaders) {
  rng g(11);
  const budget time_left(10.0);
  const std::string dir = temp_dir("fuzz-npy");
  int accepted = 0;
  for (int i = 0; i < 20000 && time_left.left(); ++i) {
    const std::string bytes = random_npy(g);
    expect_parsed_or_refused(bytes, [&] {
      const manychains::npy_header_info h = manychains::parse_npy_header(bytes, bytes.size(), "fuzz.npy");
      // Accepted: the header's sizes agree with each other and with the file exactly, computed
      // here in 128 bits (so an overflow cannot hide).
      unsigned __int128 count = 1;
      for (std::size_t d : h.shape) {
        count *= d;
        ASSERT_LE(count, static_cast<unsigned __int128>(UINT64_MAX)) << "overflowing shape accepted";
      }
      ASSERT_EQ(static_cast<unsigned __int128>(h.count), count);
      ASSERT_EQ(static_cast<unsigned __int128>(h.data_bytes), count * h.item_size);
      ASSERT_EQ(h.data_offset + h.data_bytes, bytes.size());
      ++accepted;
    });
    if (i % 40 == 0) {  // and the whole reader, through a file
      const std::string path = dir + "/f.npy";
      std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
      expect_parsed_or_refused(bytes, [&] {
        const manychains::npy_array a = manychains::read_npy(path);
        std::size_t count = 1;
        for (std::size_t d : a.shape) count *= d;
        ASSERT_EQ(a.values.size(), count);
      });
    }
  }
  EXPECT_GT(accepted, 100);  // the generator reaches valid files too
}

TEST(InputFuzz, ThroughTheCli) {
  // A few random inputs through the real CLI: a documented exit code, one line when refused,
  // and no temporary file left.
  rng g(3);
  const std::string dir = temp_dir("fuzz-cli");
  for (int i = 0; i < 12; ++i) {
    std::string spec;
    do spec = random_spec(g);
    while (asks_for_a_large_valid_size(spec) || spec.find_first_of("'\"\\`$\n\r") != std::string::npos ||
           spec.find('\0') != std::string::npos);
    const auto r = run_command(cli() + " sample --chains 2 --warmup 3 --draws 3 --seed 1 --device cpu --quiet --out " +
                               dir + "/s '--target=" + spec + "'");
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 2 || r.exit_code == 3) << spec << ": " << r.exit_code << "\n" << r.output;
    if (r.exit_code != 0) {
      EXPECT_EQ(r.output.rfind("error: ", 0), 0u) << spec << "\n" << r.output;
      EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << spec << "\n" << r.output;
    }
  }
  for (int i = 0; i < 12; ++i) {
    std::ofstream(dir + "/d.npy", std::ios::binary | std::ios::trunc) << random_npy(g);
    const auto r = run_command(cli() + " diagnose --quiet --device cpu " + dir + "/d.npy");
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 2 || r.exit_code == 3) << r.exit_code << "\n" << r.output;
    if (r.exit_code != 0) EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
  for (int i = 0; i < 8; ++i) {
    std::ofstream(dir + "/d.csv", std::ios::binary | std::ios::trunc) << random_csv(g);
    const auto r = run_command(cli() + " em -k 1 --seed 1 --quiet --device cpu --out " + dir + "/em " + dir + "/d.csv");
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 2 || r.exit_code == 3) << r.exit_code << "\n" << r.output;
    if (r.exit_code != 0) EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
  for (const auto& e : fs::recursive_directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
}

}  // namespace
