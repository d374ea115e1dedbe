#pragma once
/// \file experiment/mpi.hpp
/// The MPI executor (component tabrl::mpi; plain MPI C API, e.g. Debian's OpenMPI): every
/// rank runs a static round-robin share of the blocks still to do and sends each finished
/// block to rank 0, which alone journals them and writes the result files, the same bytes
/// as any other executor.

// Declares nothing unless MPI's headers are on the include path (linking tabrl::mpi puts them
// there), so tools that read every header of include/ without MPI flags still parse this one.
#if __has_include(<mpi.h>)
#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <list>
#include <string>
#include <thread>
#include <vector>

#include "sweep.hpp"

namespace tabrl::experiment {

namespace detail {

inline constexpr int mpi_block_tag = 0x7AB1;

inline void mpi_check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw Error(std::string("tabrl::run_sweep_mpi: ") + what + " failed");
}

/// Waits for `request` by testing it and sleeping between tests: OpenMPI's blocking waits
/// busy-poll, which takes a core from another rank when ranks outnumber free cores.
inline void mpi_wait_politely(MPI_Request& request) {
  for (;;) {
    int done = 0;
    mpi_check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (done != 0) return;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

/// Broadcasts rank 0's error text (empty: none) and throws it on every rank.
inline void mpi_share_error(std::string error, MPI_Comm comm, int rank) {
  std::uint64_t size = error.size();
  mpi_check(MPI_Bcast(&size, 1, MPI_UINT64_T, 0, comm), "MPI_Bcast");
  if (size == 0) return;
  error.resize(static_cast<std::size_t>(size));
  mpi_check(MPI_Bcast(error.data(), static_cast<int>(size), MPI_CHAR, 0, comm), "MPI_Bcast");
  if (rank == 0) throw InvalidArgument(error);
  throw Error(error);
}

}  // namespace detail

/// Runs `g` into `dir` on every rank of `comm` (call it on all of them). Rank 0 prepares the
/// directory (and, with `resume`, reads the journals there), broadcasts the blocks still to
/// do, and rank k runs those with index i % size == k, one block at a time; other ranks send
/// each finished block to rank 0 as it completes (MPI_Isend), rank 0 receives between its
/// own blocks, journals every block in dir/journal/mpi.bin and finally writes the files (see
/// merge_sweep). Only rank 0's report is complete; options.progress is called on rank 0.
/// An error found by rank 0 before the runs start is thrown on every rank (InvalidArgument on
/// rank 0); an exception inside a run on another rank calls MPI_Abort (the journal keeps
/// every block rank 0 had received, so --resume continues from there).
inline SweepReport run_sweep_mpi(const std::filesystem::path& dir, const Grid& g,
                                 const SweepOptions& o = {}, bool resume = false,
                                 MPI_Comm comm = MPI_COMM_WORLD) {
  const auto started = std::chrono::steady_clock::now();
  int rank = 0, size = 1;
  detail::mpi_check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  detail::mpi_check(MPI_Comm_size(comm, &size), "MPI_Comm_size");
  SweepReport report;
  report.runs_total = g.total_runs();
  std::vector<std::int64_t> todo;
  std::string error;
  if (rank == 0) {
    try {
      g.check();
      detail::prepare_directory(dir, g, resume);
      JournalIndex done;
      if (resume) {
        for (const auto& f : journal_files(dir)) static_cast<void>(scan_journal(f, g, done));
      }
      todo = detail::blocks_of(g, Sequential{}, &done);
      report.runs_resumed = g.total_runs() - detail::runs_in(g, todo);
      report.damaged_journals = done.damaged_files;
    } catch (const std::exception& e) {
      error = e.what();
      if (error.empty()) error = "tabrl::run_sweep_mpi: failed";
    }
  }
  detail::mpi_share_error(error, comm, rank);
  std::uint64_t count = todo.size();
  detail::mpi_check(MPI_Bcast(&count, 1, MPI_UINT64_T, 0, comm), "MPI_Bcast");
  todo.resize(static_cast<std::size_t>(count));
  if (count > 0)
    detail::mpi_check(MPI_Bcast(todo.data(), static_cast<int>(count), MPI_INT64_T, 0, comm),
                      "MPI_Bcast");
  const std::size_t nm = metric_names(o).size();

  if (rank != 0) {
    // Buffers must live until their send completes; completed ones are dropped as we go.
    std::list<std::pair<std::string, MPI_Request>> sends;
    try {
      for (std::size_t i = static_cast<std::size_t>(rank); i < todo.size();
           i += static_cast<std::size_t>(size)) {
        sends.emplace_back(encode_block(compute_block(g, todo[i], o.run, nm)), MPI_REQUEST_NULL);
        auto& [bytes, request] = sends.back();
        detail::mpi_check(MPI_Isend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, 0,
                                    detail::mpi_block_tag, comm, &request),
                          "MPI_Isend");
        for (auto it = sends.begin(); it != sends.end();) {
          int flag = 0;
          detail::mpi_check(MPI_Test(&it->second, &flag, MPI_STATUS_IGNORE), "MPI_Test");
          it = flag != 0 ? sends.erase(it) : std::next(it);
        }
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "tabrl::run_sweep_mpi (rank %d): %s\n", rank, e.what());
      MPI_Abort(comm, 1);
    }
    for (auto& s : sends) detail::mpi_wait_politely(s.second);
    report.runs_done = 0;
  } else {
    std::int64_t expected = 0, received = 0;
    for (std::size_t i = 0; i < todo.size(); ++i) {
      if (i % static_cast<std::size_t>(size) != 0) ++expected;
    }
    const std::int64_t total = detail::runs_in(g, todo);
    std::int64_t finished = 0;
    try {
      Journal journal(dir / "journal" / "mpi.bin", g);
      // Receives and journals every block that has arrived.
      // Receives never block: a matched probe starts each arrived message (MPI_Imrecv) and
      // later calls collect the finished ones. A blocking MPI_Recv of a message above the
      // eager limit would wait for the sender's next MPI call, i.e. its next finished block.
      std::list<std::pair<std::string, MPI_Request>> receives;
      const auto take = [&] {
        for (;;) {
          MPI_Message message = MPI_MESSAGE_NULL;
          MPI_Status status;
          int flag = 0;
          detail::mpi_check(
              MPI_Improbe(MPI_ANY_SOURCE, detail::mpi_block_tag, comm, &flag, &message, &status),
              "MPI_Improbe");
          if (flag == 0) break;
          int bytes = 0;
          detail::mpi_check(MPI_Get_count(&status, MPI_BYTE, &bytes), "MPI_Get_count");
          receives.emplace_back(std::string(static_cast<std::size_t>(bytes), '\0'),
                                MPI_REQUEST_NULL);
          auto& [buffer, request] = receives.back();
          detail::mpi_check(MPI_Imrecv(buffer.data(), bytes, MPI_BYTE, &message, &request),
                            "MPI_Imrecv");
        }
        for (auto it = receives.begin(); it != receives.end();) {
          int done = 0;
          detail::mpi_check(MPI_Test(&it->second, &done, MPI_STATUS_IGNORE), "MPI_Test");
          if (done == 0) {
            ++it;
            continue;
          }
          const std::string& buffer = it->first;
          if (buffer.size() < 24 + 40)
            throw Error("tabrl::run_sweep_mpi: a rank sent a truncated block");
          const auto block = static_cast<std::int64_t>(detail::get_u64(buffer, 16));
          if (block < 0 || block >= g.blocks())
            throw Error("tabrl::run_sweep_mpi: a rank sent a bad block");
          journal.append(buffer);
          ++received;
          finished += block_place(g, block).runs;
          if (o.progress) o.progress(finished, total);
          it = receives.erase(it);
        }
      };
      for (std::size_t i = 0; i < todo.size(); i += static_cast<std::size_t>(size)) {
        const BlockResult b = compute_block(g, todo[i], o.run, nm);
        journal.append(encode_block(b));
        finished += b.runs;
        if (o.progress) o.progress(finished, total);
        take();
      }
      // Waiting for the last blocks: poll and sleep rather than block in MPI_Probe, which
      // busy-waits in OpenMPI and would take a core from a rank still running its share
      // (ranks often outnumber free cores, e.g. under --oversubscribe).
      while (received < expected) {
        const std::int64_t before = received;
        take();
        if (received == before) std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      journal.flush();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "tabrl::run_sweep_mpi (rank 0): %s\n", e.what());
      MPI_Abort(comm, 1);
    }
    report.runs_done = finished;
    try {
      // Inside MPI_Abort's reach: the other ranks wait at the barrier below.
      report.complete = merge_sweep(dir, g, {dir}, o, 1).complete;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "tabrl::run_sweep_mpi (rank 0): %s\n", e.what());
      MPI_Abort(comm, 1);
    }
  }
  MPI_Request barrier = MPI_REQUEST_NULL;  // the other ranks wait here while rank 0 merges
  detail::mpi_check(MPI_Ibarrier(comm, &barrier), "MPI_Ibarrier");
  detail::mpi_wait_politely(barrier);
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace tabrl::experiment

#endif  // __has_include(<mpi.h>)
