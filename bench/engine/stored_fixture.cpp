#include "stored_fixture.hpp"

#include <filesystem>
#include <stdexcept>

#include "casework/rocksdb_store.hpp"

namespace casework::bench {

namespace fs = std::filesystem;

stored_fixture& stored_fixture::get(const run_options& o) {
  static std::unique_ptr<stored_fixture> f;
  if (!f) f.reset(new stored_fixture(o));
  return *f;
}

stored_fixture::stored_fixture(const run_options& o) : dir_(o.scratch) {
  auto rules = taipei_rules();
  note(o, "filling a store with " + std::to_string(o.stored) + " open dispatch cases (pure engine, unsynced set-up)");
  store_options so;
  so.path = dir_.sub("store");
  so.sync = false;
  auto store = rocksdb_store::open(so);
  if (!store) throw std::runtime_error(store.error().to_string());
  auto f = fill_store(**store, *rules, fill_plan{o.stored, due_backlog_start(o.stored), 1000}, [&](std::size_t n) {
    if (n % 100000 == 0) note(o, "  " + std::to_string(n) + " cases stored");
  });
  if (!f) throw std::runtime_error(f.error().to_string());
  filled_ = *f;
  note(o, "  " + std::to_string(filled_.events) + " events in " + std::to_string(filled_.seconds) + " s");
}

std::string stored_fixture::clone_into(const std::string& dir) const {
  auto src = fs::path(dir_.sub("store"));
  auto dst = fs::path(dir) / "store";
  fs::create_directories(dst);
  for (const auto& e : fs::directory_iterator(src)) {
    if (!e.is_regular_file()) continue;
    auto to = dst / e.path().filename();
    if (e.path().extension() == ".sst") fs::create_hard_link(e.path(), to);
    else fs::copy_file(e.path(), to);
  }
  return dst.string();
}

}  // namespace casework::bench
