#pragma once
/// \file experiment/sweep.hpp
/// Running a Grid: executors (sequential, a thread pool, one static shard of N), per-block
/// results combined in block order (so the output is the same bytes whatever ran it), the
/// journal that makes a sweep resumable and shards mergeable, and the tidy result files.

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "../error.hpp"
#include "grid.hpp"
#include "run.hpp"
#include "statistics.hpp"
#include "text.hpp"

namespace tabrl::experiment {

/// Computes one run. The default is run_one; a custom function may append extra metrics
/// (named in SweepOptions::extra_metrics) after the standard ones.
using RunFunction = std::function<RunResult(const RunSpec&)>;

/// Runs every block in block order on the calling thread.
struct Sequential {};
/// Runs blocks on `count` threads (0: std::thread::hardware_concurrency()); each thread takes
/// the next block from a shared counter.
struct Threads {
  int count = 0;  ///< threads, >= 0
};
/// Runs only the blocks b with b % count == index (a static round-robin partition, so cheap
/// and expensive cells spread over the shards), on `threads` threads. Writes a journal that
/// merge_sweep() joins with the other shards' journals.
struct Shard {
  std::int64_t index = 0;  ///< in [0, count)
  std::int64_t count = 1;  ///< >= 1
  int threads = 1;         ///< threads inside the shard (0: all cores)
};
/// How a sweep runs. Every executor gives the same result files, byte for byte.
using Executor = std::variant<Sequential, Threads, Shard>;

/// What a sweep runs and reports besides the grid.
struct SweepOptions {
  RunFunction run;                         ///< empty: run_one
  std::vector<std::string> extra_metrics;  ///< names of metrics a custom run appends
  int bootstrap = 1000;                    ///< bootstrap resamples per metric and cell (0: none)
  /// Called after each finished block with (runs done, runs to do) in this invocation, from
  /// whichever thread finished it, never concurrently.
  std::function<void(std::int64_t, std::int64_t)> progress;
};

/// The results of one block: its runs' metrics in run order and the Welford accumulators of
/// their curves (added in run order).
struct BlockResult {
  std::int64_t block = 0;       ///< block index (cell-major)
  std::int64_t runs = 0;        ///< runs in the block (16, fewer in a cell's last block)
  std::size_t num_metrics = 0;  ///< metrics per run
  std::vector<double> metrics;  ///< runs x num_metrics, row-major
  std::vector<double> seconds;  ///< training time of each run
  WelfordCurve returns;         ///< per-episode returns of the block's runs
  WelfordCurve lengths;         ///< per-episode lengths
  WelfordCurve visits;          ///< per-state visit counts
};

/// Per-cell totals of a finished sweep.
struct CellStats {
  std::vector<std::vector<double>> metrics;  ///< metrics[m][r]: metric m of run r
  WelfordCurve returns;                      ///< per-episode returns over the cell's runs
  WelfordCurve lengths;                      ///< per-episode lengths
  WelfordCurve visits;                       ///< per-state visit counts
  double seconds = 0.0;                      ///< sum of the runs' training times
};

/// A finished sweep in memory.
struct SweepResult {
  std::vector<std::string> metric_names;  ///< standard_metrics, then the extras
  std::vector<CellStats> cells;           ///< one per cell, in cell order
};

/// The metric names of a sweep: standard_metrics then the extras.
[[nodiscard]] inline std::vector<std::string> metric_names(const SweepOptions& o) {
  std::vector<std::string> names(standard_metrics.begin(), standard_metrics.end());
  names.insert(names.end(), o.extra_metrics.begin(), o.extra_metrics.end());
  return names;
}

/// Where a block is: its cell and its runs.
struct BlockPlace {
  std::int64_t cell;       ///< cell index
  std::int64_t first_run;  ///< index of its first run in the cell
  std::int64_t runs;       ///< number of runs
};
/// Cell and runs of block b.
[[nodiscard]] inline BlockPlace block_place(const Grid& g, std::int64_t b) {
  const std::int64_t cell = b / g.blocks_per_cell();
  const std::int64_t first = (b % g.blocks_per_cell()) * Grid::block_runs;
  return {cell, first, std::min(Grid::block_runs, g.runs() - first)};
}

/// Runs the runs of block b in run order.
[[nodiscard]] inline BlockResult compute_block(const Grid& g, std::int64_t b,
                                               const RunFunction& run, std::size_t num_metrics) {
  const BlockPlace p = block_place(g, b);
  const RunSpec cell = g.cell(p.cell);
  BlockResult out;
  out.block = b;
  out.runs = p.runs;
  out.num_metrics = num_metrics;
  out.metrics.reserve(static_cast<std::size_t>(p.runs) * num_metrics);
  for (std::int64_t r = p.first_run; r < p.first_run + p.runs; ++r) {
    RunSpec spec = cell;
    spec.seed = Grid::run_seed(g.seed(), r);
    RunResult res = run ? run(spec) : run_one(spec);
    if (res.metrics.size() != num_metrics) {
      tabrl::detail::throw_invalid(
          "run_sweep", tabrl::detail::concat("a run must report ", num_metrics, " metrics"),
          res.metrics.size());
    }
    if (r == p.first_run) {
      out.returns = WelfordCurve(res.returns.size());
      out.lengths = WelfordCurve(res.lengths.size());
      out.visits = WelfordCurve(res.visits.size());
    }
    out.metrics.insert(out.metrics.end(), res.metrics.begin(), res.metrics.end());
    out.seconds.push_back(res.seconds);
    out.returns.add(res.returns);
    out.lengths.add(res.lengths);
    out.visits.add(res.visits);
  }
  return out;
}

namespace detail {

inline constexpr char block_magic[9] = "TABRLBK1";
inline constexpr char journal_magic[9] = "TABRLJN1";
inline constexpr std::size_t journal_header_size = 16;

[[nodiscard]] inline std::uint64_t fnv1a(std::string_view bytes) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}
inline void put_u64(std::string& s, std::uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  s.append(b, 8);
}
inline void put_doubles(std::string& s, const std::vector<double>& v) {
  if (!v.empty()) s.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
}
[[nodiscard]] inline std::uint64_t get_u64(std::string_view s, std::size_t at) noexcept {
  std::uint64_t v = 0;
  std::memcpy(&v, s.data() + at, 8);
  return v;
}
inline std::vector<double> get_doubles(std::string_view s, std::size_t& at, std::uint64_t n) {
  std::vector<double> v(static_cast<std::size_t>(n));
  if (n > 0) std::memcpy(v.data(), s.data() + at, static_cast<std::size_t>(n) * sizeof(double));
  at += static_cast<std::size_t>(n) * sizeof(double);
  return v;
}

}  // namespace detail

/// A block as one journal record: "TABRLBK1", payload size, payload (block, runs, metric
/// count, curve lengths, then the doubles bit for bit, little-endian), FNV-1a of the payload.
[[nodiscard]] inline std::string encode_block(const BlockResult& b) {
  static_assert(std::endian::native == std::endian::little, "tabrl journals are little-endian");
  std::string p;
  detail::put_u64(p, static_cast<std::uint64_t>(b.block));
  detail::put_u64(p, static_cast<std::uint64_t>(b.runs));
  detail::put_u64(p, b.num_metrics);
  detail::put_u64(p, b.returns.size());
  detail::put_u64(p, b.visits.size());
  detail::put_doubles(p, b.metrics);
  detail::put_doubles(p, b.seconds);
  for (const WelfordCurve* c : {&b.returns, &b.lengths, &b.visits}) {
    detail::put_doubles(p, c->mean());
    detail::put_doubles(p, c->m2());
  }
  std::string out(detail::block_magic, 8);
  detail::put_u64(out, p.size());
  out += p;
  detail::put_u64(out, detail::fnv1a(p));
  return out;
}

/// Decodes a record payload (without magic, size and checksum), checking it against the
/// grid: block in range, its run count, the metric count, the cell's episode count. Throws
/// tabrl::Error on any mismatch.
[[nodiscard]] inline BlockResult decode_block(std::string_view p, const Grid& g,
                                              std::size_t num_metrics) {
  const auto bad = [](const char* what) {
    throw Error(std::string("tabrl::decode_block: corrupt record: ") + what);
  };
  if (p.size() < 40) bad("shorter than its header");
  BlockResult b;
  const std::uint64_t block = detail::get_u64(p, 0), runs = detail::get_u64(p, 8),
                      nm = detail::get_u64(p, 16);
  const std::uint64_t episodes = detail::get_u64(p, 24), states = detail::get_u64(p, 32);
  if (block >= static_cast<std::uint64_t>(g.blocks())) bad("block index out of range");
  b.block = static_cast<std::int64_t>(block);
  const BlockPlace place = block_place(g, b.block);
  if (runs != static_cast<std::uint64_t>(place.runs)) bad("run count differs from the grid's");
  if (nm != num_metrics) bad("metric count differs from this sweep's");
  if (episodes != static_cast<std::uint64_t>(g.cell(place.cell).episodes))
    bad("episode count differs from the grid's");
  if (states > (std::uint64_t{1} << 32)) bad("state count too large");
  const std::uint64_t doubles = runs * nm + runs + 4 * episodes + 2 * states;
  if (p.size() != 40 + doubles * 8) bad("payload size does not match its counts");
  b.runs = static_cast<std::int64_t>(runs);
  b.num_metrics = static_cast<std::size_t>(nm);
  std::size_t at = 40;
  b.metrics = detail::get_doubles(p, at, runs * nm);
  b.seconds = detail::get_doubles(p, at, runs);
  for (WelfordCurve* c : {&b.returns, &b.lengths, &b.visits}) {
    const std::uint64_t n = c == &b.visits ? states : episodes;
    auto mean = detail::get_doubles(p, at, n);
    auto m2 = detail::get_doubles(p, at, n);
    *c = WelfordCurve(b.runs, std::move(mean), std::move(m2));
  }
  return b;
}

/// Where each block's record is, over a set of journal files (first copy wins: a block run
/// twice, e.g. by a shard restarted elsewhere, has the same bytes both times).
struct JournalIndex {
  /// One block's record.
  struct Entry {
    std::size_t file = 0;      ///< index into files
    std::uint64_t offset = 0;  ///< of the payload
    std::uint64_t size = 0;    ///< of the payload
  };
  std::vector<std::filesystem::path> files;  ///< the journals read
  std::map<std::int64_t, Entry> blocks;      ///< block index -> its first record
  std::int64_t damaged_files = 0;  ///< files whose tail was torn or corrupt (ignored from there)
};

/// Reads the records of one journal file into `index` and returns the offset after its last
/// good record (a torn or corrupt tail, e.g. after SIGKILL, is ignored from there on).
/// Throws tabrl::Error when the file belongs to another grid.
inline std::uint64_t scan_journal(const std::filesystem::path& path, const Grid& g,
                                  JournalIndex& index) {
  std::FILE* f = std::fopen(path.string().c_str(), "rb");
  if (f == nullptr) throw Error("tabrl::scan_journal: cannot read '" + path.string() + "'");
  const auto close = [f] { std::fclose(f); };
  char header[detail::journal_header_size];
  if (std::fread(header, 1, sizeof header, f) != sizeof header) {
    close();
    return 0;  // created but never written: treated as empty
  }
  if (std::memcmp(header, detail::journal_magic, 8) != 0) {
    close();
    throw Error("tabrl::scan_journal: '" + path.string() + "' is not a tabrl sweep journal");
  }
  if (detail::get_u64(std::string_view(header, sizeof header), 8) != g.fingerprint()) {
    close();
    throw Error("tabrl::scan_journal: '" + path.string() +
                "' was written for another grid (its fingerprint differs)");
  }
  const std::size_t file_index = index.files.size();
  index.files.push_back(path);
  std::uint64_t good = detail::journal_header_size;
  const auto total = static_cast<std::uint64_t>(std::filesystem::file_size(path));
  std::string payload;
  for (;;) {
    char head[16];
    if (std::fread(head, 1, 16, f) != 16) break;
    const std::uint64_t size = detail::get_u64(std::string_view(head, 16), 8);
    if (std::memcmp(head, detail::block_magic, 8) != 0 || size < 40 || size > total - good - 16)
      break;
    payload.resize(static_cast<std::size_t>(size) + 8);
    if (std::fread(payload.data(), 1, payload.size(), f) != payload.size()) break;
    const std::string_view body(payload.data(), static_cast<std::size_t>(size));
    if (detail::fnv1a(body) != detail::get_u64(payload, static_cast<std::size_t>(size))) break;
    const auto block = static_cast<std::int64_t>(detail::get_u64(body, 0));
    if (block < 0 || block >= g.blocks()) break;
    index.blocks.try_emplace(block, JournalIndex::Entry{file_index, good + 16, size});
    good += 16 + size + 8;
  }
  if (good != total) ++index.damaged_files;
  close();
  return good;
}

/// The journal files in `dir`/journal (sorted by name, so the first-copy rule is stable).
[[nodiscard]] inline std::vector<std::filesystem::path> journal_files(
    const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  const auto jdir = dir / "journal";
  if (!std::filesystem::is_directory(jdir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(jdir)) {
    if (e.is_regular_file() && e.path().extension() == ".bin") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// An append-only journal of block records. Records are flushed to the operating system at
/// least every quarter second and when the journal closes, so a killed process loses at most
/// its last quarter second of blocks; a torn last record is cut off when the journal reopens.
class Journal {
 public:
  /// Opens (or creates) `path` for grid `g`; an existing file is cut after its last good record.
  Journal(const std::filesystem::path& path, const Grid& g) : path_(path) {
    std::uint64_t good = 0;
    if (std::filesystem::exists(path)) {
      JournalIndex scratch;
      good = scan_journal(path, g, scratch);
      if (good > 0) std::filesystem::resize_file(path, good);
    }
    file_ = std::fopen(path.string().c_str(), good > 0 ? "ab" : "wb");
    if (file_ == nullptr) throw Error("tabrl::Journal: cannot write '" + path.string() + "'");
    if (good == 0) {
      std::string header(detail::journal_magic, 8);
      detail::put_u64(header, g.fingerprint());
      write(header);
      flush();
    }
    last_flush_ = std::chrono::steady_clock::now();
  }
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  ~Journal() {
    if (file_ != nullptr) std::fclose(file_);
  }

  /// Appends one encoded record (encode_block()).
  void append(std::string_view record) {
    write(record);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_flush_ > std::chrono::milliseconds(250)) {
      flush();
      last_flush_ = now;
    }
  }
  /// Hands everything written so far to the operating system.
  void flush() {
    if (std::fflush(file_) != 0)
      throw Error("tabrl::Journal: cannot write '" + path_.string() + "'");
  }

 private:
  void write(std::string_view bytes) {
    if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size())
      throw Error("tabrl::Journal: cannot write '" + path_.string() + "'");
  }
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  std::chrono::steady_clock::time_point last_flush_;
};

/// Folds block results into per-cell statistics in block order, whatever order they arrive
/// in (blocks that arrive early wait). With a runs.csv file it also writes one row per run,
/// in run order: cell, run, every setting (seed = the run's), every metric.
class SweepAccumulator {
 public:
  /// Accumulates grid `g` (which must outlive it) with these metric names; rows go to
  /// `runs_csv` (with a header line first) when it is not null.
  SweepAccumulator(const Grid& g, std::vector<std::string> metric_names,
                   std::FILE* runs_csv = nullptr)
      : grid_(g), runs_csv_(runs_csv) {
    result_.metric_names = std::move(metric_names);
    result_.cells.resize(static_cast<std::size_t>(g.cells()));
    for (auto& c : result_.cells) c.metrics.resize(result_.metric_names.size());
    if (runs_csv_ != nullptr) {
      std::string head = "cell,run";
      for (const RunField& f : run_fields()) (head += ',') += f.name;
      for (const auto& m : result_.metric_names) (head += ',') += m;
      head += '\n';
      put(head);
    }
  }

  /// Adds a block (any order); folds every block that is now next in line.
  void add(BlockResult&& b) {
    if (b.block < next_ || pending_.count(b.block) > 0) return;  // a copy of a folded block
    pending_.emplace(b.block, std::move(b));
    for (auto it = pending_.find(next_); it != pending_.end(); it = pending_.find(next_)) {
      fold(it->second);
      pending_.erase(it);
      ++next_;
    }
  }
  /// True once every block of the grid was folded.
  [[nodiscard]] bool complete() const noexcept { return next_ == grid_.blocks(); }
  /// The statistics (complete only when complete()).
  [[nodiscard]] const SweepResult& result() const noexcept { return result_; }
  /// The statistics, to move out once complete().
  [[nodiscard]] SweepResult& result() noexcept { return result_; }

 private:
  void put(const std::string& s) {
    if (std::fwrite(s.data(), 1, s.size(), runs_csv_) != s.size())
      throw Error("tabrl::SweepAccumulator: cannot write runs.csv");
  }
  void fold(const BlockResult& b) {
    const BlockPlace p = block_place(grid_, b.block);
    CellStats& c = result_.cells[static_cast<std::size_t>(p.cell)];
    c.returns.merge(b.returns);
    c.lengths.merge(b.lengths);
    c.visits.merge(b.visits);
    for (std::int64_t r = 0; r < b.runs; ++r) {
      for (std::size_t m = 0; m < b.num_metrics; ++m)
        c.metrics[m].push_back(b.metrics[static_cast<std::size_t>(r) * b.num_metrics + m]);
      c.seconds += b.seconds[static_cast<std::size_t>(r)];
    }
    if (runs_csv_ == nullptr) return;
    if (prefix_cell_ != p.cell) {
      // Every setting but the seed (the last field) is the cell's.
      const RunSpec spec = grid_.cell(p.cell);
      prefix_.clear();
      append_number(prefix_, p.cell);
      prefix_ += ",{run}";
      const auto& fields = run_fields();
      for (std::size_t i = 0; i + 1 < fields.size(); ++i) {
        prefix_ += ',';
        append_csv_field(prefix_, fields[i].get(spec));
      }
      prefix_cell_ = p.cell;
    }
    std::string rows;
    const std::size_t split = prefix_.find("{run}");
    for (std::int64_t r = 0; r < b.runs; ++r) {
      const std::int64_t run = p.first_run + r;
      rows.append(prefix_, 0, split);
      append_number(rows, run);
      rows.append(prefix_, split + 5);
      rows += ',';
      append_number(rows, Grid::run_seed(grid_.seed(), run));
      for (std::size_t m = 0; m < b.num_metrics; ++m) {
        rows += ',';
        append_number(rows, b.metrics[static_cast<std::size_t>(r) * b.num_metrics + m]);
      }
      rows += '\n';
    }
    put(rows);
  }

  const Grid& grid_;
  std::FILE* runs_csv_;
  SweepResult result_;
  std::map<std::int64_t, BlockResult> pending_;
  std::int64_t next_ = 0;
  std::int64_t prefix_cell_ = -1;
  std::string prefix_;
};

namespace detail {

[[nodiscard]] inline int thread_count(int requested) {
  if (requested < 0) tabrl::detail::throw_invalid("run_sweep", "threads must be >= 0", requested);
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

/// Computes the blocks in `todo` on `threads` threads; consume(BlockResult&&) is called under
/// a lock, in completion order. The first exception stops the other threads and is rethrown.
template <class Consume>
void compute_blocks(const Grid& g, const std::vector<std::int64_t>& todo, int threads,
                    const RunFunction& run, std::size_t num_metrics, Consume&& consume) {
  threads = std::max(
      1, std::min<int>(threads, static_cast<int>(std::min<std::size_t>(todo.size(), 1 << 20))));
  if (threads <= 1) {
    for (const std::int64_t b : todo) consume(compute_block(g, b, run, num_metrics));
    return;
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex lock;
  std::exception_ptr error;
  const auto worker = [&] {
    try {
      for (std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
           i < todo.size() && !failed.load(std::memory_order_relaxed);
           i = next.fetch_add(1, std::memory_order_relaxed)) {
        BlockResult r = compute_block(g, todo[i], run, num_metrics);
        const std::lock_guard<std::mutex> hold(lock);
        consume(std::move(r));
      }
    } catch (...) {
      const std::lock_guard<std::mutex> hold(lock);
      if (!error) error = std::current_exception();
      failed = true;
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads - 1));
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

[[nodiscard]] inline std::vector<std::int64_t> blocks_of(const Grid& g, const Executor& ex,
                                                         const JournalIndex* done) {
  std::int64_t index = 0, count = 1;
  if (const auto* s = std::get_if<Shard>(&ex)) {
    if (s->count < 1)
      tabrl::detail::throw_invalid("run_sweep", "shard count must be >= 1", s->count);
    if (s->index < 0 || s->index >= s->count)
      tabrl::detail::throw_invalid(
          "run_sweep", tabrl::detail::concat("shard index must be in [0, ", s->count, ")"),
          s->index);
    index = s->index;
    count = s->count;
  }
  std::vector<std::int64_t> todo;
  for (std::int64_t b = index; b < g.blocks(); b += count) {
    if (done == nullptr || done->blocks.count(b) == 0) todo.push_back(b);
  }
  return todo;
}

[[nodiscard]] inline int executor_threads(const Executor& ex) {
  if (std::holds_alternative<Sequential>(ex)) return 1;
  if (const auto* t = std::get_if<Threads>(&ex)) return thread_count(t->count);
  return thread_count(std::get<Shard>(ex).threads);
}

[[nodiscard]] inline std::int64_t runs_in(const Grid& g, const std::vector<std::int64_t>& blocks) {
  std::int64_t n = 0;
  for (const auto b : blocks) n += block_place(g, b).runs;
  return n;
}

}  // namespace detail

/// Runs the whole grid in memory and returns its statistics (Shard is not accepted: a shard
/// is meaningful only with files, see run_sweep_to). The result is the same bits for every
/// executor and thread count.
[[nodiscard]] inline SweepResult run_sweep(const Grid& g, const Executor& ex,
                                           const SweepOptions& o = {}) {
  if (std::holds_alternative<Shard>(ex))
    throw InvalidArgument(
        "tabrl::run_sweep: a Shard executor needs an output directory (use run_sweep_to)");
  g.check();
  SweepAccumulator acc(g, metric_names(o));
  const auto todo = detail::blocks_of(g, ex, nullptr);
  const std::int64_t total = detail::runs_in(g, todo);
  std::int64_t done = 0;
  detail::compute_blocks(g, todo, detail::executor_threads(ex), o.run, metric_names(o).size(),
                         [&](BlockResult&& b) {
                           done += b.runs;
                           acc.add(std::move(b));
                           if (o.progress) o.progress(done, total);
                         });
  return std::move(acc.result());
}

/// The summaries of every metric of every cell: summaries[cell][metric]. Cell c's metric m
/// is bootstrapped with Rng seed derive_seed(derive_seed(grid seed, 2^62 + c), m), so the
/// intervals are reproducible and independent of the run seeds. Cells are spread over
/// `threads` threads; the result does not depend on how many.
[[nodiscard]] inline std::vector<std::vector<MetricSummary>> summarize_cells(const Grid& g,
                                                                             const SweepResult& r,
                                                                             int bootstrap,
                                                                             int threads = 1) {
  std::vector<std::vector<MetricSummary>> out(r.cells.size());
  std::vector<std::int64_t> cells(r.cells.size());
  for (std::size_t c = 0; c < cells.size(); ++c) cells[c] = static_cast<std::int64_t>(c);
  std::atomic<std::size_t> next{0};
  const auto worker = [&] {
    for (std::size_t c = next.fetch_add(1); c < cells.size(); c = next.fetch_add(1)) {
      const std::uint64_t cell_seed = derive_seed(g.seed(), (std::uint64_t{1} << 62) + c);
      for (std::size_t m = 0; m < r.cells[c].metrics.size(); ++m)
        out[c].push_back(summarize(r.cells[c].metrics[m], bootstrap, derive_seed(cell_seed, m)));
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::min<int>(threads, static_cast<int>(cells.size())); ++t)
    pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return out;
}

/// What a call of run_sweep_to / merge_sweep did.
struct SweepReport {
  bool complete = false;              ///< final files written (false for a shard)
  std::int64_t runs_total = 0;        ///< runs of the grid
  std::int64_t runs_done = 0;         ///< runs computed by this call
  std::int64_t runs_resumed = 0;      ///< runs found in journals and not run again
  std::int64_t damaged_journals = 0;  ///< journals with a torn tail (their rest was re-run)
  double seconds = 0.0;               ///< wall time of this call
};

namespace detail {

inline void write_cell_axes(std::string& out, const Grid& g, std::int64_t cell) {
  const auto at = g.cell_coordinates(cell);
  for (std::size_t i = 0; i < g.axes().size(); ++i) {
    out += ',';
    append_csv_field(out, g.axes()[i].values[at[i]]);
  }
}

inline void write_summary_stat(std::string& out, const MetricSummary& s) {
  out += "{\"n\":";
  append_number(out, s.n);
  const std::pair<const char*, double> fields[] = {
      {"mean", s.mean}, {"se", s.se}, {"median", s.median}, {"iqm", s.iqm}};
  for (const auto& [name, v] : fields) {
    out += ",\"";
    out += name;
    out += "\":";
    append_json_number(out, v);
  }
  out += ",\"ci95\":[";
  append_json_number(out, s.ci_low);
  out += ',';
  append_json_number(out, s.ci_high);
  out += "]}";
}

}  // namespace detail

/// Writes curves.csv, visits.csv and summary.json of a finished sweep into `dir`, each
/// atomically. curves.csv: cell, the varied settings, episode (1-based), return_mean,
/// return_se, length_mean, length_se. visits.csv: cell, the varied settings, state,
/// visits_mean, visits_se. summary.json: the grid, the metric names and, per cell, its
/// settings and each metric's n, mean, se, median, iqm and ci95.
inline void write_sweep_files(const std::filesystem::path& dir, const Grid& g, const SweepResult& r,
                              int bootstrap, int threads = 1) {
  std::string axes_head;
  for (const auto& a : g.axes()) (axes_head += ',') += a.field;
  std::string curves =
      "cell" + axes_head + ",episode,return_mean,return_se,length_mean,length_se\n";
  std::string visits = "cell" + axes_head + ",state,visits_mean,visits_se\n";
  for (std::size_t c = 0; c < r.cells.size(); ++c) {
    const CellStats& cs = r.cells[c];
    std::string key;
    append_number(key, c);
    detail::write_cell_axes(key, g, static_cast<std::int64_t>(c));
    for (std::size_t e = 0; e < cs.returns.size(); ++e) {
      curves += key;
      curves += ',';
      append_number(curves, e + 1);
      for (const double v :
           {cs.returns.mean()[e], cs.returns.se(e), cs.lengths.mean()[e], cs.lengths.se(e)}) {
        curves += ',';
        append_number(curves, v);
      }
      curves += '\n';
    }
    for (std::size_t s = 0; s < cs.visits.size(); ++s) {
      visits += key;
      visits += ',';
      append_number(visits, s);
      visits += ',';
      append_number(visits, cs.visits.mean()[s]);
      visits += ',';
      append_number(visits, cs.visits.se(s));
      visits += '\n';
    }
  }
  write_file_atomically(dir / "curves.csv", curves);
  write_file_atomically(dir / "visits.csv", visits);

  const auto summaries = summarize_cells(g, r, bootstrap, threads);
  std::string json = "{\"grid\":" + g.to_json() + ",\"block_runs\":";
  append_number(json, Grid::block_runs);
  json += ",\"bootstrap\":";
  append_number(json, bootstrap);
  json += ",\"metrics\":[";
  for (std::size_t m = 0; m < r.metric_names.size(); ++m) {
    if (m > 0) json += ',';
    append_json_string(json, r.metric_names[m]);
  }
  json += "],\"cells\":[";
  for (std::size_t c = 0; c < r.cells.size(); ++c) {
    if (c > 0) json += ",\n";
    json += "{\"cell\":";
    append_number(json, c);
    json += ",\"settings\":{";
    const auto at = g.cell_coordinates(static_cast<std::int64_t>(c));
    for (std::size_t i = 0; i < g.axes().size(); ++i) {
      if (i > 0) json += ',';
      append_json_string(json, g.axes()[i].field);
      json += ':';
      append_json_string(json, g.axes()[i].values[at[i]]);
    }
    json += "},\"runs\":";
    append_number(json, g.runs());
    json += ",\"metrics\":{";
    for (std::size_t m = 0; m < r.metric_names.size(); ++m) {
      if (m > 0) json += ',';
      append_json_string(json, r.metric_names[m]);
      json += ':';
      detail::write_summary_stat(json, summaries[c][m]);
    }
    json += "}}";
  }
  json += "]}\n";
  write_file_atomically(dir / "summary.json", json);
}

namespace detail {

/// Prepares `dir` for a sweep of `g`: creates it and dir/journal, writes sweep.json (the
/// grid) or checks that the one there is this grid's. Refuses a directory that already has
/// journals unless `resume`.
inline void prepare_directory(const std::filesystem::path& dir, const Grid& g, bool resume) {
  std::filesystem::create_directories(dir / "journal");
  const std::string grid = g.to_json() + "\n";
  const auto sweep_json = dir / "sweep.json";
  if (std::filesystem::exists(sweep_json)) {
    std::FILE* f = std::fopen(sweep_json.string().c_str(), "rb");
    std::string old;
    if (f != nullptr) {
      char buf[4096];
      std::size_t n = 0;
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) old.append(buf, n);
      std::fclose(f);
    }
    if (old != grid)
      throw InvalidArgument(
          "tabrl::run_sweep_to: " + dir.string() +
          " holds a sweep of another grid (sweep.json differs); choose another output directory");
  }
  if (!resume && !journal_files(dir).empty())
    throw InvalidArgument(
        "tabrl::run_sweep_to: " + dir.string() +
        " already holds a sweep journal; resume it or choose another output directory");
  write_file_atomically(sweep_json, grid);
}

[[nodiscard]] inline std::string journal_name(const Executor& ex) {
  if (const auto* s = std::get_if<Shard>(&ex))
    return "shard-" + number_text(s->index) + "-of-" + number_text(s->count) + ".bin";
  return "local.bin";
}

}  // namespace detail

/// Joins the journals found in each of `dirs` (their journal/ subdirectories) into the final
/// files in `out`: runs.csv, curves.csv, visits.csv, summary.json (each written atomically)
/// and timings.json. Throws InvalidArgument when blocks are missing (naming how many and the
/// first), tabrl::Error when a journal belongs to another grid.
inline SweepReport merge_sweep(const std::filesystem::path& out, const Grid& g,
                               const std::vector<std::filesystem::path>& dirs,
                               const SweepOptions& o = {}, int threads = 1) {
  const auto started = std::chrono::steady_clock::now();
  g.check();
  JournalIndex index;
  for (const auto& d : dirs) {
    for (const auto& f : journal_files(d)) static_cast<void>(scan_journal(f, g, index));
  }
  SweepReport report;
  report.runs_total = g.total_runs();
  report.damaged_journals = index.damaged_files;
  if (static_cast<std::int64_t>(index.blocks.size()) != g.blocks()) {
    std::int64_t first = 0;
    while (index.blocks.count(first) > 0) ++first;
    const BlockPlace p = block_place(g, first);
    throw InvalidArgument(tabrl::detail::concat(
        "tabrl::merge_sweep: blocks must all be present, got ", index.blocks.size(), " of ",
        g.blocks(), " (first missing: block ", first, ", cell ", p.cell, " runs ", p.first_run,
        "..", p.first_run + p.runs - 1, "); run the missing shards or resume"));
  }
  std::filesystem::create_directories(out);
  const auto runs_tmp = out / "runs.csv.tmp";
  std::FILE* runs_csv = std::fopen(runs_tmp.string().c_str(), "wb");
  if (runs_csv == nullptr)
    throw Error("tabrl::merge_sweep: cannot write '" + runs_tmp.string() + "'");
  const std::size_t nm = metric_names(o).size();
  try {
    SweepAccumulator acc(g, metric_names(o), runs_csv);
    std::vector<std::FILE*> files(index.files.size(), nullptr);
    std::string payload;
    for (const auto& [block, entry] : index.blocks) {
      std::FILE*& f = files[entry.file];
      if (f == nullptr) f = std::fopen(index.files[entry.file].string().c_str(), "rb");
      payload.resize(static_cast<std::size_t>(entry.size));
      if (f == nullptr || std::fseek(f, static_cast<long>(entry.offset), SEEK_SET) != 0 ||
          std::fread(payload.data(), 1, payload.size(), f) != payload.size()) {
        for (std::FILE* h : files)
          if (h != nullptr) std::fclose(h);
        throw Error("tabrl::merge_sweep: cannot read '" + index.files[entry.file].string() + "'");
      }
      acc.add(decode_block(payload, g, nm));
    }
    for (std::FILE* h : files)
      if (h != nullptr) std::fclose(h);
    if (std::fclose(runs_csv) != 0) throw Error("tabrl::merge_sweep: cannot write runs.csv");
    runs_csv = nullptr;
    std::filesystem::rename(runs_tmp, out / "runs.csv");
    write_sweep_files(out, g, acc.result(), o.bootstrap, threads);
    double run_seconds = 0.0;
    for (const auto& c : acc.result().cells) run_seconds += c.seconds;
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::string t = "{\"runs\":";
    append_number(t, g.total_runs());
    t += ",\"run_seconds_total\":";
    append_json_number(t, run_seconds);
    t += ",\"run_seconds_mean\":";
    append_json_number(t, run_seconds / static_cast<double>(g.total_runs()));
    t += ",\"merge_seconds\":";
    append_json_number(t, report.seconds);
    t += "}\n";
    write_file_atomically(out / "timings.json", t);
  } catch (...) {
    if (runs_csv != nullptr) std::fclose(runs_csv);
    throw;
  }
  report.complete = true;
  return report;
}

/// Runs the grid into directory `dir`: every finished block is journaled in dir/journal/,
/// then (unless the executor is a Shard) the journals are merged into the result files (see
/// merge_sweep). With `resume`, blocks already journaled are not run again, so a sweep
/// killed at any moment finishes with the same files as an uninterrupted one. Without it, a
/// directory that already holds a journal is refused.
inline SweepReport run_sweep_to(const std::filesystem::path& dir, const Grid& g, const Executor& ex,
                                const SweepOptions& o = {}, bool resume = false) {
  const auto started = std::chrono::steady_clock::now();
  g.check();
  const auto todo_all = detail::blocks_of(g, ex, nullptr);  // validates the shard first
  detail::prepare_directory(dir, g, resume);
  JournalIndex done;
  if (resume) {
    for (const auto& f : journal_files(dir)) static_cast<void>(scan_journal(f, g, done));
  }
  const auto todo = detail::blocks_of(g, ex, &done);
  SweepReport report;
  report.runs_total = g.total_runs();
  report.runs_resumed = detail::runs_in(g, todo_all) - detail::runs_in(g, todo);
  report.damaged_journals = done.damaged_files;
  const std::int64_t total = detail::runs_in(g, todo);
  {
    Journal journal(dir / "journal" / detail::journal_name(ex), g);
    std::int64_t finished = 0;
    detail::compute_blocks(g, todo, detail::executor_threads(ex), o.run, metric_names(o).size(),
                           [&](BlockResult&& b) {
                             journal.append(encode_block(b));
                             finished += b.runs;
                             if (o.progress) o.progress(finished, total);
                           });
    journal.flush();
    report.runs_done = finished;
  }
  if (!std::holds_alternative<Shard>(ex)) {
    const SweepReport merged = merge_sweep(dir, g, {dir}, o, detail::executor_threads(ex));
    report.complete = merged.complete;
  }
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace tabrl::experiment
