// The registry: finds or activates the actor of a case, allocates case ids, routes new dispatch reports
// (R6.12 repeats, R6.13 restricted places) and opens linked cases (R6.11, R5.3). It holds only the active
// actors, the place index of open cases and the restrictions: listings read the log's directory.
#include <algorithm>
#include <iterator>

#include <boost/json.hpp>
#include <caf/all.hpp>

#include "casework/json_text.hpp"
#include "actors.hpp"

namespace casework::detail {

using registry_self = caf::stateful_actor<registry_state>*;

namespace {

void set_active_count(registry_self self) { self->state.rt->active_actors = self->state.active.size(); }

// Lists the actor of `c` for the next packing sweep (once per round), and arms the sweep: the registry hands
// it a request, after which the case stays parsed (case_actor.cpp, settle).
void to_park(registry_self self, registry_state::active_case& c) {
  auto& st = self->state;
  if (st.rt->options.pack_sweep.count() <= 0 || !st.rt->options.pack_idle_cases || c.swept == st.sweep_round) return;
  c.swept = st.sweep_round;
  st.to_park.push_back(c.actor);
  if (st.sweep_armed) return;
  st.sweep_armed = true;
  self->delayed_send(self, std::chrono::duration_cast<caf::actor_clock::duration_type>(st.rt->options.pack_sweep),
                     sweep_atom::value, false);
}

// Sends the next chunk of the sweep's park messages; the rest follow a message of its own, after the requests
// waiting in the registry's mailbox. At 45,000 commands/s a sweep lists ~9,000 cases: sent at once, they and
// the packing they start held the registry and CAF's shared queue for ~15 ms (the command path's p99.9 went from
// 7-12 ms to 25-27 ms).
constexpr std::size_t park_chunk = 64;

void send_parks(registry_self self) {
  auto& st = self->state;
  const auto end = std::min(st.parking.size(), st.parking_next + park_chunk);
  for (; st.parking_next < end; ++st.parking_next) self->send(st.parking[st.parking_next], park_atom::value);
  st.sweep_continuing = st.parking_next < st.parking.size();
  if (st.sweep_continuing) {
    self->send(self, sweep_atom::value, true);
    return;
  }
  st.parking.clear();
  st.parking_next = 0;
  if (st.parking.capacity() > 65536) st.parking.shrink_to_fit();
}

// The sweep: every actor listed since the last one packs its state (case_actor.cpp, park). One message per
// case touched in the period, however many requests it had; one timer for the registry, not one per case.
void sweep(registry_self self, bool next_chunk) {
  auto& st = self->state;
  if (!next_chunk) {
    st.sweep_armed = false;
    if (++st.sweep_round == 0) st.sweep_round = 1;   // 0 is an entry never listed
    if (st.parking.empty()) st.parking.swap(st.to_park);
    else st.parking.insert(st.parking.end(), st.to_park.begin(), st.to_park.end());   // the last one not done
    st.to_park.clear();
    if (st.to_park.capacity() > 65536) st.to_park.shrink_to_fit();
    if (st.sweep_continuing) return;   // its next chunk is on its way
  }
  send_parks(self);
}

// Arms the delayed message that sends the first idle checks due, if one is not pending.
void arm_first_idle_checks(registry_self self) {
  auto& st = self->state;
  if (st.first_idle_checks_armed || st.first_idle_checks.empty()) return;
  st.first_idle_checks_armed = true;
  const auto in = st.first_idle_checks.front().first - self->clock().now();
  self->delayed_send(self, std::max(in, caf::actor_clock::duration_type::zero()), idle_checks_atom::value);
}

// Sends each case actor whose first idle check is due its check (case_actor.cpp, on_idle_check).
void send_first_idle_checks(registry_self self) {
  auto& st = self->state;
  st.first_idle_checks_armed = false;
  const auto now = self->clock().now();
  while (!st.first_idle_checks.empty() && st.first_idle_checks.front().first <= now) {
    if (auto a = caf::actor_cast<caf::actor>(st.first_idle_checks.front().second))
      self->send(a, idle_check_atom::value);
    st.first_idle_checks.pop_front();
  }
  arm_first_idle_checks(self);
}

registry_state::active_case& spawn_entry(registry_self self, const std::string& id, std::vector<event> initial = {},
                                         case_state folded = {}) {
  auto& st = self->state;
  // Not linked: a link is an entry on both actors' lists, which CAF scans linearly to remove, so a case actor
  // ending while tens of thousands are active cost O(active) (quadratic for a backlog). The registry stops its
  // case actors when it ends (~registry_state).
  auto a = self->spawn(case_actor, st.rt, std::const_pointer_cast<const actor_refs>(st.refs), id, std::move(initial),
                       std::move(folded));
  // Not listed for the sweep: a case loaded from the log packs itself at once, and a new case is listed by the
  // create handed to it (count_delegated).
  auto& c = st.active[id] = {a, 0, 0};
  set_active_count(self);
  // Its first idle check: passivate_after from now (activations come in clock order, so the queue stays
  // sorted). The actor counts it as armed from its start.
  if (st.rt->options.passivate_after.count() > 0) {
    st.first_idle_checks.emplace_back(
        self->clock().now() +
            std::chrono::duration_cast<caf::actor_clock::duration_type>(st.rt->options.passivate_after),
        a.address());
    arm_first_idle_checks(self);
  }
  return c;   // the case actor has its supervisor adopt it once it knows its agency
}

caf::actor spawn_case(registry_self self, const std::string& id, std::vector<event> initial = {},
                      case_state folded = {}) {
  return spawn_entry(self, id, std::move(initial), std::move(folded)).actor;
}

// The active entry of `id`, its actor activated from the log (its snapshot) when it is not running; nullptr
// for an unknown case. The entry stays in place until the actor ends (a node map).
registry_state::active_case* activate(registry_self self, const std::string& id) {
  auto& st = self->state;
  if (auto it = st.active.find(id); it != st.active.end()) return &it->second;
  if (!st.rt->log->contains(id)) return nullptr;
  return &spawn_entry(self, id, {});
}

// The actor of `id` (activate).
caf::actor find_or_activate(registry_self self, const std::string& id) {
  auto* c = activate(self, id);
  return c ? c->actor : nullptr;
}

// True when `id` is leased to a fire worker (none is, most of the time: no lookup then).
bool is_leased(registry_self self, const std::string& id) {
  const auto& leased = self->state.leased;
  return !leased.empty() && leased.count(id) > 0;
}

// True when `id` is leased to a fire worker; `then` runs once the lease ends, after what waited before it.
template <class F>
bool wait_for_lease(registry_self self, const std::string& id, F then) {
  if (self->state.leased.empty()) return false;
  auto it = self->state.leased.find(id);
  if (it == self->state.leased.end()) return false;
  it->second.emplace_back(std::move(then));
  return true;
}

// The lease of `id` ends (its bulk fire is recorded, or failed): what waited for it goes, in order.
void release(registry_self self, const std::string& id) {
  auto it = self->state.leased.find(id);
  if (it == self->state.leased.end()) return;
  auto waiting = std::move(it->second);
  self->state.leased.erase(it);
  for (auto& then : waiting) then();
}

// Counts a request handed to the active actor of `id` (the passivation handshake compares the count with the
// requests the actor handled).
void count_delegated(registry_self self, registry_state::active_case& c) {
  ++c.delegated;
  to_park(self, c);
}

void count_delegated(registry_self self, const std::string& id) {
  auto& st = self->state;
  if (auto it = st.active.find(id); it != st.active.end()) count_delegated(self, it->second);
}

// Hands the request `rp` answers to the actor of `id`.
// The request's arguments are moved into the delegated message; copied only when they must wait for a lease.
template <class... Ts>
void forward_into(registry_self self, caf::response_promise& rp, const std::string& id, Ts&&... xs) {
  if (is_leased(self, id) && wait_for_lease(self, id, [=]() mutable { forward_into(self, rp, id, xs...); }))
    return;
  auto* c = activate(self, id);
  if (!c) {
    rp.deliver(case_result{error(errc::not_found, "no such case", "case " + id)});
    return;
  }
  count_delegated(self, *c);
  rp.delegate(c->actor, std::forward<Ts>(xs)...);
}

template <class... Ts>
caf::response_promise forward(registry_self self, const std::string& id, Ts... xs) {
  auto rp = self->make_response_promise();
  forward_into(self, rp, id, std::move(xs)...);
  return rp;
}

void index_place(registry_state& st, const case_entry& now) {
  if (!now.at_place()) {
    st.places.remove(now.id);
  } else {
    (void)st.places.put(now.id, now.item, now.address, now.where, *now.limit);
  }
}

// What the registry keeps of a case after each of its batches: its place (R6.12) and, at its closing, its
// finding (R6.13 counts consecutive findings at a place).
void learn(registry_self self, const case_entry& e, bool was_terminal) {
  auto& st = self->state;
  auto def = st.rt->rules->definitions.latest(e.workflow);
  if (!def || !def->uses_items) return;
  index_place(st, e);
  if (!was_terminal && e.has_finding()) st.restrictions.record_finding(e.address, e.item, e.finding);
}

// The last case number used for (prefix, day), read from the log the first time the day is needed.
int last_number(registry_state& st, const std::string& prefix, local_day day) {
  auto key = format_case_id(prefix, day, 1);
  key.resize(key.size() - 5);   // prefix + yyyymmdd
  if (st.id_days_read.insert(key).second) {
    auto last = st.rt->log->last_case_id(key);
    if (!last.empty()) (void)st.ids.observe(last);
  }
  return st.ids.last(prefix, day);
}

// Decides a new case's first events (the id is allocated only when they are valid) and starts its actor.
expected<std::pair<std::string, caf::actor>> open_case(registry_self self, const std::string& workflow,
                                                       command cmd, const std::string& agency) {
  auto& st = self->state;
  auto def = st.rt->rules->definitions.latest(workflow);
  if (!def) return error(errc::not_found, "'" + workflow + "' is not a workflow", "workflow");
  auto now = st.rt->clk->now();
  auto cal = st.rt->calendar.get();
  auto day = cal->day_of(now);
  int seq = last_number(st, def->id_prefix, day) + 1;
  if (seq > max_case_seq)
    return error(errc::unavailable, "no case number left for " + format_day(day), "id");
  create_request req;
  req.id = format_case_id(def->id_prefix, day, seq);
  req.agency = agency;
  if (auto* item = cmd.input.if_contains("item"); item && item->is_string()) req.item = item->get_string();
  req.cmd = std::move(cmd);
  case_state folded;
  // Moves the input into the create's `command` event; the rest of req (its id) stays (interpreter.hpp).
  auto events = decide_create(*def, st.rt->ctx(*cal), std::move(req), now, &folded);
  if (!events) return std::move(events).error();
  (void)st.ids.observe(req.id);
  auto a = spawn_case(self, req.id, std::move(*events), std::move(folded));
  return std::make_pair(req.id, a);
}

const std::string restrictions_key = "intake/restrictions";

boost::json::array restricted_json(const registry_state& st) {
  boost::json::array out;
  for (const auto& [place, item] : st.restricted) out.push_back(boost::json::object{{"place", place}, {"item", item}});
  return out;
}

// Restrictions agreed before a restart (R6.13); a restriction stays until lifted whatever the count.
void restore_restrictions(registry_state& st) {
  auto text = st.rt->log->get_meta(restrictions_key);
  if (!text) return;
  boost::json::error_code ec;
  auto v = parse_json(*text, ec);
  if (ec || !v.is_array()) {
    ++st.rt->recovery_failures;
    return;
  }
  for (const auto& r : v.get_array()) {
    if (!r.is_object() || !r.get_object().contains("place") || !r.get_object().contains("item")) continue;
    std::string place(r.at("place").as_string()), item(r.at("item").as_string());
    st.restricted.emplace_back(place, item);
    st.restrictions.restore(place, item);
  }
}

// A dispatch report at a restricted place becomes a petition to the item's agency (R6.13).
command as_petition(const command& cmd, const item* it) {
  command p{"create", cmd.role, cmd.actor_id, {}};
  for (const char* key : {"description", "reporter", "location", "district", "item"})
    if (auto* v = cmd.input.if_contains(key)) p.input[key] = *v;
  if (!p.input.contains("description"))
    p.input["description"] = "report at a place restricted for this item (R6.13)";
  if (it) p.input["agency"] = it->agency;
  p.input["source"] = "restricted-place";
  return p;
}

// A repeat report joins the open case as another reporter (R6.12).
command as_repeat(const command& cmd) {
  command r{"add-report", cmd.role, cmd.actor_id, {}};
  for (const char* key : {"description", "reporter", "reply"})
    if (auto* v = cmd.input.if_contains(key)) r.input[key] = *v;
  return r;
}

std::optional<geo_point> point_of(const boost::json::object& input) {
  auto* lat = find_path(input, "location.lat");
  auto* lng = find_path(input, "location.lng");
  if (lat && lng && lat->is_number() && lng->is_number())
    return geo_point{lat->to_number<double>(), lng->to_number<double>()};
  return std::nullopt;
}

// A repeat report joins the open case (R6.12). The place index learns of closings after the fact, so the case
// may have been closed or released in the meantime: then the report opens a new case instead.
void join(registry_self self, caf::response_promise rp, const std::string& workflow, const std::string& id,
          command cmd) {
  auto* c = activate(self, id);   // found by find_or_activate in route(), just before
  count_delegated(self, *c);
  self->request(c->actor, caf::infinite, command_atom::value, id, as_repeat(cmd))
      .then(
          [=](case_result& joined) mutable {
            if (joined || joined.error().code() != errc::failed_precondition) {
              rp.deliver(std::move(joined));
              return;
            }
            auto opened = open_case(self, workflow, cmd, {});
            if (!opened) {
              rp.deliver(case_result{std::move(opened).error()});
              return;
            }
            count_delegated(self, opened->first);
            rp.delegate(opened->second, create_atom::value, false);
          },
          [=](caf::error& e) mutable {
            rp.deliver(case_result{error(errc::unavailable, "case " + id + " did not answer: " +
                                                                self->system().render(e), "case")});
          });
}

bool needs_places(const registry_state& st, const std::string& workflow) {
  auto def = st.rt->rules->definitions.latest(workflow);
  return def && def->uses_items;
}

// Opens a case (or, for a report, routes it: R6.12 repeat, R6.13 restricted place) and answers `rp`.
void create_into(registry_self self, caf::response_promise rp, const std::string& workflow, command cmd) {
  auto& st = self->state;
  if (needs_places(st, workflow)) {
    auto* item = cmd.input.if_contains("item");
    auto* address = find_path(cmd.input, "location.address");
    std::string item_code = item && item->is_string() ? std::string(item->get_string()) : std::string();
    std::string place = address && address->is_string() ? std::string(address->get_string()) : std::string();
    auto r = route_report(st.places, st.restrictions, item_code, place, point_of(cmd.input), st.rt->clk->now(),
                          st.rt->options.routing);
    if (r.route == report_route::join_case &&
        wait_for_lease(self, r.case_id, [=]() mutable { create_into(self, rp, workflow, cmd); }))
      return;
    if (r.route == report_route::join_case && find_or_activate(self, r.case_id))
      return join(self, std::move(rp), workflow, r.case_id, std::move(cmd));
    if (r.route == report_route::petition)
      return create_into(self, std::move(rp), "petition", as_petition(cmd, st.rt->rules->items.find(item_code)));
  }
  auto opened = open_case(self, workflow, std::move(cmd), {});
  if (!opened) return rp.deliver(case_result{std::move(opened).error()});
  forward_into(self, rp, opened->first, create_atom::value, false);
}

// A report that needs the place index (R6.12) waits while it is being loaded after an open; other creates and
// every command on an existing case are taken at once.
caf::response_promise create(registry_self self, const std::string& workflow, command cmd) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  if (st.places_loading && needs_places(st, workflow)) st.waiting_for_places.push_back({workflow, std::move(cmd), rp});
  else create_into(self, rp, workflow, std::move(cmd));
  return rp;
}

// The origin of a link records it (R6.11, R5.3) only once the linked case is recorded (or refused). What could
// not be recorded for want of storage is tried again a second later, so that no R6.11 petition is lost to a
// full disk.
void tell_link(registry_self self, const std::string& origin, const std::string& relation, const std::string& linked,
               const std::string& failure) {
  if (wait_for_lease(self, origin, [=] { tell_link(self, origin, relation, linked, failure); })) return;
  auto* c = activate(self, origin);
  if (!c) return;
  count_delegated(self, *c);
  self->request(c->actor, caf::infinite, link_atom::value, origin, relation, linked, failure)
      .then([=](case_result& r) {
        if (!r && r.error().code() == errc::storage)
          self->delayed_send(self, std::chrono::seconds(1), link_atom::value, origin, relation, linked, failure);
      }, [](caf::error&) {});
}

void open_link(registry_self self, const link_request& req) {
  auto& st = self->state;
  const auto& d = req.request.data;
  std::string workflow(d.at("workflow").as_string());
  std::string relation(d.at("relation").as_string());
  command cmd{"create", "system", "registry", d.at("fields").as_object()};
  auto def = st.rt->rules->definitions.latest(workflow);
  if (def && def->find_command("create")) {
    for (const auto& f : def->find_command("create")->fields)
      if (f.path == "item" && d.contains("item") && !d.at("item").as_string().empty()) cmd.input["item"] = d.at("item");
  }
  cmd.input["source"] = boost::json::string(req.origin);
  if (def && def->find_command("create")) {   // only fields the target's create takes
    const auto& fields = def->find_command("create")->fields;
    bool takes_source = std::any_of(fields.begin(), fields.end(), [](const auto& f) { return f.path == "source"; });
    if (!takes_source) cmd.input.erase("source");
  }
  auto opened = open_case(self, workflow, std::move(cmd), std::string(d.at("agency").as_string()));
  std::string origin_id = req.origin;
  auto tell_origin = [=](const std::string& linked, const std::string& failure) {
    tell_link(self, origin_id, relation, linked, failure);
  };
  auto retry = [=] { self->delayed_send(self, std::chrono::seconds(1), open_link_atom::value, req); };
  if (!opened) {
    if (opened.error().code() == errc::storage || opened.error().code() == errc::unavailable) return retry();
    tell_origin({}, opened.error().to_string());
    return;
  }
  std::string new_id = opened->first;
  count_delegated(self, new_id);
  self->request(opened->second, caf::infinite, create_atom::value, false)
      .then(
          [=](case_result& r) {
            if (r) tell_origin(new_id, {});
            else if (r.error().code() == errc::storage) retry();
            else tell_origin({}, r.error().to_string());
          },
          [=](caf::error&) { retry(); });
}

// A page of due timers from the timer service, answered with the fires to try again a second later (storage
// errors) once every fire of the page is recorded or refused. A case with an active actor fires there; the
// others are leased to the fire workers, at most fire_chunk cases to a request, and fire without activation
// (bulk_fire.cpp). A case already leased (its timers came in an earlier page) fires once that lease ends.
constexpr std::size_t fire_chunk = 64;

struct fire_page_job {
  caf::response_promise rp;
  std::size_t pending = 1;   // fire_page's own hold until it has sent everything
  std::vector<fire_request> retry;
};

void page_done(const std::shared_ptr<fire_page_job>& job) {
  if (--job->pending == 0) job->rp.deliver(std::move(job->retry));
}

// Fires `f` on the case's actor (`found`, its active entry when the caller has it); job->pending counts it
// already.
void fire_held(registry_self self, const std::shared_ptr<fire_page_job>& job, const fire_request& f,
               registry_state::active_case* found = nullptr) {
  if (!found && wait_for_lease(self, f.case_id, [=] { fire_held(self, job, f); })) return;
  auto* c = found ? found : activate(self, f.case_id);
  if (!c) return page_done(job);
  count_delegated(self, *c);
  self->request(c->actor, caf::infinite, fire_atom::value, f)
      .then(
          [=](case_result& r) {
            if (!r && r.error().code() == errc::storage) job->retry.push_back(f);
            page_done(job);
          },
          [=](caf::error&) { page_done(job); });
}

void fire_one(registry_self self, const std::shared_ptr<fire_page_job>& job, const fire_request& f,
              registry_state::active_case* found = nullptr) {
  ++job->pending;
  fire_held(self, job, f, found);
}

void fire_in_bulk(registry_self self, const std::shared_ptr<fire_page_job>& job,
                  std::shared_ptr<const std::vector<fire_request>> fires) {
  auto& st = self->state;
  const auto& workers = st.refs->fire_workers;
  ++job->pending;
  self->request(workers[st.next_fire_worker++ % workers.size()], caf::infinite, fire_atom::value, bulk_fire{*fires})
      .then(
          [=](bulk_fire_result& r) {
            for (const auto& [entry, was_terminal] : r.summaries) learn(self, entry, was_terminal);
            job->retry.insert(job->retry.end(), r.retry.begin(), r.retry.end());
            for (const auto& id : r.cases) release(self, id);
            page_done(job);
          },
          [=](caf::error&) {   // the worker failed: nothing of it is known recorded; its cases load from the log
            job->retry.insert(job->retry.end(), fires->begin(), fires->end());
            for (const auto& f : *fires) release(self, f.case_id);
            page_done(job);
          });
}

caf::response_promise fire_page(registry_self self, std::vector<fire_request> fires) {
  auto& st = self->state;
  auto job = std::make_shared<fire_page_job>();
  job->rp = self->make_response_promise();
  std::unordered_map<std::string, std::size_t> group_of;
  std::vector<std::vector<fire_request>> groups;   // inactive cases, each its fires in due order
  for (auto& f : fires) {
    if (is_leased(self, f.case_id)) {   // it fires once the lease ends
      fire_one(self, job, f);
      continue;
    }
    if (auto it = st.active.find(f.case_id); it != st.active.end()) {   // a case active and not leased
      fire_one(self, job, f, &it->second);
      continue;
    }
    if (st.refs->fire_workers.empty()) {
      fire_one(self, job, f);
      continue;
    }
    auto [it, fresh] = group_of.try_emplace(f.case_id, groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(std::move(f));
  }
  for (std::size_t g = 0; g < groups.size(); g += fire_chunk) {
    auto chunk = std::make_shared<std::vector<fire_request>>();
    for (std::size_t k = g; k < std::min(groups.size(), g + fire_chunk); ++k) {
      st.leased.try_emplace(groups[k].front().case_id);
      std::move(groups[k].begin(), groups[k].end(), std::back_inserter(*chunk));
    }
    fire_in_bulk(self, job, std::move(chunk));
  }
  page_done(job);
  return job->rp;
}

// Restores, from the log, what routing needs: restrictions (R6.13), the open cases at places (R6.12) and the
// findings in closing order (R6.13's consecutive count). Histories are not read: cases load when reached, the
// timer service loads the pending timers, the recount rebuilds the figures.
void recover(registry_self self) {
  auto& st = self->state;
  restore_restrictions(st);
  for (const auto& e : st.rt->log->findings()) st.restrictions.record_finding(e.address, e.item, e.finding);
  // Then the background work of an open: the place index, the durable timers and the figures recount.
  st.places_loading = true;
  self->send(self, places_atom::value);
  self->send(st.refs->timers, load_atom::value);
  self->send(st.refs->recount, load_atom::value);
}

// Loads the next page of open cases at places (R6.12) into the place index, between other requests. A case
// whose batch the registry learns of meanwhile (`learn`) is indexed from that; a page read later reads the
// same entry from the log, which wrote it first, so either order leaves the index as the log has it. When the
// last page is in, the reports that waited are routed, in the order they came.
void load_places(registry_self self) {
  auto& st = self->state;
  const std::size_t places_page = std::max<std::size_t>(1, st.rt->options.place_page);
  auto page = st.rt->log->open_at_places(places_page, st.places_loaded_up_to);
  for (const auto& e : page)
    if (needs_places(st, e.workflow)) index_place(st, e);
  if (!page.empty()) st.places_loaded_up_to = page.back().id;
  if (page.size() == places_page) {
    self->send(self, places_atom::value);
    return;
  }
  st.places_loading = false;
  st.places_loaded_up_to.clear();
  auto waiting = std::move(st.waiting_for_places);
  st.waiting_for_places.clear();
  for (auto& w : waiting) create_into(self, std::move(w.rp), w.workflow, std::move(w.cmd));
}

}  // namespace

caf::behavior registry_actor(registry_self self, std::shared_ptr<runtime_context> rt,
                             std::shared_ptr<actor_refs> refs) {
  self->state.rt = std::move(rt);
  self->state.refs = std::move(refs);
  // Only a shutdown stops the registry (and with it, its case actors: ~registry_state).
  self->set_exit_handler([=](caf::exit_msg& m) {
    if (m.reason == caf::exit_reason::user_shutdown || m.reason == caf::exit_reason::kill) self->quit(m.reason);
  });
  return {
      [=](recover_atom) { recover(self); },   // sent once by engine::open, after every actor exists
      [=](places_atom) { load_places(self); },
      [=](create_atom, const std::string& workflow, command& cmd) { return create(self, workflow, std::move(cmd)); },
      [=](command_atom, const std::string& id, command& cmd) {
        return forward(self, id, command_atom::value, id, std::move(cmd));
      },
      [=](get_atom, const std::string& id) { return forward(self, id, get_atom::value, id); },
      [=](fire_atom, const fire_request& f) { return forward(self, f.case_id, fire_atom::value, f); },
      [=](fire_atom, std::vector<fire_request>& fires) { return fire_page(self, std::move(fires)); },
      [=](recompute_atom, const std::string& id) { return forward(self, id, recompute_atom::value, id); },
      [=](summary_atom, const case_entry& e, bool was_terminal) { learn(self, e, was_terminal); },
      [=](const case_result&) {},   // answers to what the registry sent a case (linked creates, links, recomputes)
      [=](open_link_atom, const link_request& req) { open_link(self, req); },
      [=](link_atom, const std::string& origin, const std::string& relation, const std::string& linked,
          const std::string& failure) {   // a link record retried after a storage error
        tell_link(self, origin, relation, linked, failure);
      },
      [=](sweep_atom, bool next_chunk) { sweep(self, next_chunk); },
      [=](idle_checks_atom) { send_first_idle_checks(self); },
      [=](idle_atom, const std::string& id, std::uint64_t handled) {
        auto& st = self->state;
        auto it = st.active.find(id);
        if (it == st.active.end() || it->second.delegated != static_cast<std::uint32_t>(handled)) return false;
        st.active.erase(it);
        set_active_count(self);
        return true;
      },
      [=](down_atom, const std::string& id, bool restart) {   // a case actor failed
        auto& st = self->state;
        st.active.erase(id);
        set_active_count(self);
        if (!restart) return;
        // Restarted from its snapshot (the next request would, too); with no request for it, its first idle
        // check (spawn_entry) passivates it after passivate_after. (A leased case has no actor to restart: its
        // fire worker has it.)
        if (st.leased.count(id)) return;
        (void)find_or_activate(self, id);
      },
      [=](crash_atom, const std::string& id) {
        auto it = self->state.active.find(id);
        if (it != self->state.active.end()) self->send(it->second.actor, crash_atom::value);
      },
      [=](closure_atom, const closure& c) -> status {
        auto& st = self->state;
        auto next = st.rt->calendar.get()->with_closure(c);
        if (!next) return next.error();
        // Recorded before it takes effect, so that a restart keeps the closure (and the deadlines it moved).
        auto stored = st.rt->log->put_meta(closures_key, boost::json::serialize(closures_to_json(next->closures())));
        if (!stored.ok()) return stored;
        st.rt->calendar.set(std::make_shared<const business_calendar>(std::move(*next)));
        // R5.5: open cases' deadlines move. A closure is rare; this pages through the directory once.
        entry_query q;
        q.limit = 1000;
        for (auto page = st.rt->log->list(q); !page.empty(); page = st.rt->log->list(q)) {
          for (const auto& e : page) {
            if (e.terminal) continue;
            if (wait_for_lease(self, e.id, [self, id = e.id] { self->send(self, recompute_atom::value, id); })) continue;
            if (auto* open = activate(self, e.id)) {
              count_delegated(self, *open);
              self->send(open->actor, recompute_atom::value, e.id);
            }
          }
          q.after = page.back().id;
        }
        return {};
      },
      [=](restrict_atom, const std::string& address, const std::string& item) -> status {
        auto& st = self->state;
        if (!st.restrictions.can_restrict(address, item) || st.restrictions.is_restricted(address, item))
          return st.restrictions.restrict(address, item);   // the R6.13 refusal, or a no-op
        // Recorded before it takes effect, so that a restart keeps it.
        auto list = restricted_json(st);
        list.push_back(boost::json::object{{"place", normalize_address(address)}, {"item", item}});
        if (auto stored = st.rt->log->put_meta(restrictions_key, boost::json::serialize(list)); !stored.ok())
          return stored;
        st.restricted.emplace_back(normalize_address(address), item);
        return st.restrictions.restrict(address, item);
      },
  };
}

}  // namespace casework::detail
