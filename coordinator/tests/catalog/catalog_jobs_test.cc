// Jobs (a state machine), notifications with delivery and acknowledgement,
// schedules and settings.
#include "catalog_fixture.h"

namespace tapeline::catalog::testing {
namespace {

using jobs_test = catalog_test;

TEST_F(jobs_test, AJobRunsRetriesAndFinishes) {
  ASSERT_TRUE(cat->add_object(vdi("o1", "web", 0, 0)).ok());
  job j;
  j.kind = "backup";
  j.created_at = 10;
  j.object_ids = {"o1"};
  auto id = cat->add_job(j);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  ASSERT_TRUE(
      cat->transition_job(*id, job_state::running, 20, "", "lto5").ok());
  ASSERT_TRUE(
      cat->transition_job(*id, job_state::queued, 30, "EIO on /dev/nst1").ok());
  ASSERT_TRUE(cat->transition_job(*id, job_state::running, 40).ok());
  ASSERT_TRUE(cat->transition_job(*id, job_state::done, 50).ok());
  auto got = cat->get_job(*id);
  EXPECT_EQ(got->state, job_state::done);
  EXPECT_EQ(got->attempts, 2u);
  EXPECT_EQ(got->drive, "lto5");
  EXPECT_EQ(got->last_error, "EIO on /dev/nst1");
  EXPECT_EQ(got->started_at, 40);
  EXPECT_EQ(got->finished_at, 50);
  EXPECT_EQ(got->object_ids, std::vector<std::string>{"o1"});
  EXPECT_EQ(cat->list_jobs(job_state::done)->size(), 1u);
  EXPECT_TRUE(cat->list_jobs(job_state::queued)->empty());
}

TEST_F(jobs_test, IllegalTransitionsAreRefused) {
  job j;
  j.kind = "verify";
  auto id = *cat->add_job(j);
  auto st = cat->transition_job(id, job_state::done, 1);
  EXPECT_EQ(st.error_code(), code::invalid_argument);
  EXPECT_NE(st.message().find("cannot go from queued to done"),
            std::string::npos);
  ASSERT_TRUE(cat->transition_job(id, job_state::cancelled, 2).ok());
  for (auto to : {job_state::queued, job_state::running, job_state::done,
                  job_state::failed})
    EXPECT_FALSE(cat->transition_job(id, to, 3).ok()) << to_string(to);
  EXPECT_EQ(cat->transition_job(999, job_state::running, 1).error_code(),
            code::not_found);
  cat.reset();
  EXPECT_EQ(sqlite3("SELECT state, finished_at FROM jobs"), "cancelled|2");
}

TEST_F(jobs_test, NotificationsAreDeliveredAndAcknowledged) {
  add_tape("LTO5-0007", tape_state::full);
  notification n;
  n.kind = "tape_ejected";
  n.message = "take LTO5-0007 off-site";
  n.barcode = "LTO5-0007";
  n.drive = "lto5";
  n.created_at = 100;
  auto id = cat->add_notification(n, {"email", "log"});
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(
      cat->set_delivery(*id, "email", delivery_state::failed, "SMTP 451", 101)
          .ok());
  ASSERT_TRUE(
      cat->set_delivery(*id, "email", delivery_state::sent, "", 102).ok());
  EXPECT_EQ(cat->set_delivery(*id, "webhook", delivery_state::sent, "", 1)
                .error_code(),
            code::not_found);
  auto got = cat->get_notification(*id);
  ASSERT_EQ(got->deliveries.size(), 2u);
  EXPECT_EQ(got->deliveries[0].channel, "email");
  EXPECT_EQ(got->deliveries[0].state, delivery_state::sent);
  EXPECT_EQ(got->deliveries[0].attempts, 2u);
  EXPECT_EQ(got->deliveries[1].state, delivery_state::pending);
  EXPECT_EQ(cat->unacknowledged()->size(), 1u);
  // `tapeline tapes offsite LTO5-0007`: the tape moves, the notice is done.
  ASSERT_TRUE(cat->move_tape("LTO5-0007", tape_state::offsite, "bank safe",
                             "alice", 200)
                  .ok());
  EXPECT_TRUE(cat->unacknowledged()->empty());
  got = cat->get_notification(*id);
  EXPECT_EQ(got->ack_by, "alice");
  EXPECT_EQ(got->acknowledged_at, 200);
  EXPECT_EQ(cat->get_tape("LTO5-0007")->location, "bank safe");
  auto st = cat->acknowledge(*id, "bob", 300);
  EXPECT_EQ(st.error_code(), code::invalid_argument);
  EXPECT_NE(st.message().find("already acknowledged by alice"),
            std::string::npos);
}

TEST_F(jobs_test, SchedulesAndSettings) {
  schedule s{"nightly", "30 22 * * *", "Europe/London", "gfs", true, 0, 500};
  ASSERT_TRUE(cat->put_schedule(s).ok());
  ASSERT_TRUE(cat->record_schedule_run("nightly", 500, 86900).ok());
  auto all = cat->list_schedules();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().last_run, 500);
  EXPECT_EQ(all->front().next_run, 86900);
  EXPECT_EQ(all->front().time_zone, "Europe/London");
  EXPECT_EQ(cat->record_schedule_run("weekly", 1, 2).error_code(),
            code::not_found);
  EXPECT_EQ(cat->get_setting("x").error().error_code(), code::not_found);
  ASSERT_TRUE(cat->put_setting("x", "1").ok());
  ASSERT_TRUE(cat->put_setting("x", "2").ok());
  EXPECT_EQ(*cat->get_setting("x"), "2");
}

}  // namespace
}  // namespace tapeline::catalog::testing
