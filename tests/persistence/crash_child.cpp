// The crash test's child (persistence/crash_test.cpp starts it, feeds it commands and kills it with SIGKILL):
// the engine on virtual time over a RocksDB store, driven line by line over stdin.
//
//   crash_child WORKFLOWS_DIR DATA_DIR START        START: the engine clock's start (RFC 3339)
//
// Requests (one a line, TAG is the parent's number for the request):
//   TAG create N              create a dispatch case from report template N (0..7)
//   TAG cmd CASE VERB         VERB: sign | assign | report
//   TAG advance MINUTES       move the clock, firing every timer due on the way (waits for earlier requests)
//   TAG state CASE            the case as the engine holds it
// Answers (each written with one write(2) once it is true; the parent reads them after the kill too):
//   ready NOW                 the engine is open (recovered from the store)
//   ack TAG CASE SEQ          the request's events are recorded, SEQ the case's last seq
//   err TAG CODE MESSAGE      the request was refused
//   advanced TAG NOW          the clock is at NOW and every timer due is recorded
//   state TAG CASE JSON       {"state": to_json(case_state), "fired": [[timer, due]...], "timers": [[name, due]...]}
//   rec CASE SEQ TYPE         an event was recorded (from engine::subscribe, which runs after the append)
// Commands are pipelined: each runs as soon as it is read and is answered when its future is ready.
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include <boost/json.hpp>

#include "casework/bundle.hpp"
#include "casework/engine.hpp"
#include "casework/rocksdb_store.hpp"

namespace {

using namespace casework;

// One line, one write(2): lines from different threads never interleave, and a line written before the kill
// is in the pipe whatever happens to this process after.
void say(const std::string& line) {
  std::string out = line + "\n";
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  for (std::size_t done = 0; done < out.size();) {
    auto n = ::write(STDOUT_FILENO, out.data() + done, out.size() - done);
    if (n <= 0) std::_Exit(3);   // the parent is gone
    done += static_cast<std::size_t>(n);
  }
}

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

// Eight report templates: four places, two items each, so that some reports join an open case (R6.12).
command report(int n) {
  static const char* items[] = {"streetlight-out", "road-pothole", "traffic-signal-fault", "premises-noise"};
  static const char* streets[] = {"Roosevelt Rd", "Heping E Rd", "Xinyi Rd", "Zhongshan N Rd"};
  int place = n % 4;
  std::ostringstream in;
  in << R"({"item": ")" << items[(n / 4 + place) % 4] << R"(", "district": "daan", "location": {"address": "No. )"
     << 10 + place << ", " << streets[place] << R"(", "lat": )" << 25.01 + place * 0.01
     << R"(, "lng": 121.53}, "reporter": {"name": "Citizen )" << n << R"(", "phone": "09120000)" << 10 + n
     << R"("}, "reply": "sms"})";
  return command{"create", "call_taker", "cc-ct-1", boost::json::parse(in.str()).as_object()};
}

// The command VERB for a case of agency `agency` (handlers are the agency's first handler).
command verb(const std::string& v, const std::string& agency) {
  if (v == "sign") return command{"sign", "duty_officer", agency + "-do-1", {}};
  if (v == "assign")
    return command{"assign", "duty_officer", agency + "-do-1", boost::json::object{{"handler", agency + "-h-1"}}};
  return command{"report", "handler", agency + "-h-1",
                 boost::json::object{{"result", "done on site"}, {"finding", "fixed"}}};
}

std::string dump(const case_view& v) {
  boost::json::array fired, timers;
  for (const auto& [timer, due] : v.state->fired) fired.push_back(boost::json::array{timer.c_str(), format_utc(due)});
  for (const auto& t : v.timers) timers.push_back(boost::json::array{t.name.c_str(), format_utc(t.due)});
  return boost::json::serialize(
      boost::json::object{{"state", to_json(*v.state)}, {"fired", std::move(fired)}, {"timers", std::move(timers)}});
}

// Answers pending requests in the order they were read.
class answers {
 public:
  void push(std::function<void()> wait_and_answer) {
    std::lock_guard<std::mutex> lock(mu_);
    q_.push_back(std::move(wait_and_answer));
    cv_.notify_all();
  }
  void drain() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return q_.empty() && !busy_; });
  }
  void run() {
    while (true) {
      std::function<void()> next;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !q_.empty(); });
        next = std::move(q_.front());
        q_.pop_front();
        busy_ = true;
      }
      next();
      std::lock_guard<std::mutex> lock(mu_);
      busy_ = false;
      cv_.notify_all();
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> q_;
  bool busy_ = false;
};

// The owning agency of each case the child has seen (commands are issued by the agency's people).
class agencies {
 public:
  void learn(const case_state& s) {
    std::lock_guard<std::mutex> lock(mu_);
    by_case_[s.id] = s.agency;
  }
  std::optional<std::string> of(const std::string& id) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_case_.find(id);
    return it == by_case_.end() ? std::nullopt : std::optional<std::string>(it->second);
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> by_case_;
};

void answer_case(const std::string& tag, std::future<expected<case_view>>& f, agencies& known) {
  auto r = f.get();
  if (!r) {
    say("err " + tag + " " + to_string(r.error().code()) + " " + one_line(r.error().to_string()));
    return;
  }
  known.learn(*r->state);
  say("ack " + tag + " " + r->state->id + " " + std::to_string(r->state->seq));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: crash_child WORKFLOWS_DIR DATA_DIR START\n";
    return 2;
  }
  auto rules = load_bundle(bundle_paths::taipei(argv[1]));
  auto start = parse_instant(argv[3]);
  if (!rules || !start) {
    std::cerr << "crash_child: " << (rules ? "START is not an instant" : rules.error().to_string()) << "\n";
    return 2;
  }
  store_options so;
  so.path = argv[2];
  auto store = rocksdb_store::open(so);
  if (!store) {
    std::cerr << "crash_child: " << store.error().to_string() << "\n";
    return 1;
  }
  engine_options o;
  o.rules = *rules;
  o.mode = clock_mode::virtual_time;
  o.start = *start;
  o.worker_threads = 2;
  o.log = std::shared_ptr<rocksdb_store>(std::move(*store));
  auto opened = engine::open(o);
  if (!opened) {
    std::cerr << "crash_child: " << opened.error().to_string() << "\n";
    return 1;
  }
  auto& eng = **opened;
  eng.subscribe([](const std::string& id, const event& e) {
    say("rec " + id + " " + std::to_string(e.seq) + " " + e.type);
  });
  auto& pending = *new answers;   // never destroyed: the process ends by SIGKILL or _Exit, nobody joins
  auto& known = *new agencies;
  std::thread([&pending] { pending.run(); }).detach();
  say("ready " + format_utc(eng.now()));

  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string tag, op, arg1, arg2;
    in >> tag >> op >> arg1 >> arg2;
    if (op == "create") {
      auto f = std::make_shared<std::future<expected<case_view>>>(
          eng.create_case("dispatch", report(std::stoi(arg1) % 8)));
      pending.push([tag, f, &known] { answer_case(tag, *f, known); });
    } else if (op == "cmd") {
      auto agency = known.of(arg1);
      if (!agency) {   // a case recorded by an earlier life: ask the engine once
        auto r = eng.get_case(arg1).get();
        if (!r) {
          say("err " + tag + " " + to_string(r.error().code()) + " " + one_line(r.error().to_string()));
          continue;
        }
        known.learn(*r->state);
        agency = r->state->agency;
      }
      auto f = std::make_shared<std::future<expected<case_view>>>(eng.issue(arg1, verb(arg2, *agency)));
      pending.push([tag, f, &known] { answer_case(tag, *f, known); });
    } else if (op == "state") {
      auto f = std::make_shared<std::future<expected<case_view>>>(eng.get_case(arg1));
      pending.push([tag, id = arg1, f] {
        auto r = f->get();
        if (r) say("state " + tag + " " + id + " " + dump(*r));
        else say("err " + tag + " " + to_string(r.error().code()) + " " + one_line(r.error().to_string()));
      });
    } else if (op == "advance") {
      pending.drain();
      auto st = eng.advance_to(eng.now() + std::chrono::minutes(std::stoi(arg1))).get();
      if (st.ok()) say("advanced " + tag + " " + format_utc(eng.now()));
      else say("err " + tag + " " + to_string(st.error().code()) + " " + one_line(st.error().to_string()));
    } else {
      say("err " + tag + " invalid_argument unknown request: " + one_line(line));
    }
  }
  pending.drain();
  std::_Exit(0);   // end of input: everything asked is answered
}
