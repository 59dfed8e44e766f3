//! SIGKILL at random points: a batch creating users is killed after a random delay, again and
//! again on one state, and each time the database passes `PRAGMA integrity_check`, holds every
//! user whose creation the batch acknowledged (and at most the one after it), and takes new
//! commands. `CLOUDHSM_SHELL_LONG_TESTS=1` (`scripts/test.sh --long`) runs 50 trials instead of 3.

use crate::fixtures::{logout_ok, state_with_users, user_ref, usernames, users_in};
use crate::test::{ADMIN_PASSWORD, Test};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const DEFAULT_TRIALS: usize = 3;
const LONG_TRIALS: usize = 50;
/// More lines than any batch gets through before its kill, so every batch dies mid-way.
const USERS_PER_BATCH: usize = 400;
/// The kill comes after 0 to this many milliseconds: before the login, between commands and
/// inside them.
const LONGEST_DELAY_MS: u64 = 4000;

fn trials() -> usize {
    match std::env::var("CLOUDHSM_SHELL_LONG_TESTS").as_deref() {
        Ok("1") => LONG_TRIALS,
        _ => DEFAULT_TRIALS,
    }
}

/// `CLOUDHSM_SHELL_CRASH_SEED` replays a failed run; otherwise the clock picks the seed.
fn seed() -> u64 {
    std::env::var("CLOUDHSM_SHELL_CRASH_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_nanos() as u64)
        })
}

fn username(trial: usize, number: usize) -> String {
    format!("t{trial:02}u{number:03}")
}

fn password(trial: usize, number: usize) -> String {
    format!("pw-of-t{trial:02}u{number:03}")
}

fn integrity(dir: &Path) -> String {
    let connection =
        Connection::open_with_flags(dir.join("state.sqlite3"), OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("cannot open the state database");
    connection
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity_check")
}

/// Runs a batch that creates the users of `trial` on `dir`, kills it with SIGKILL after
/// `delay`, and returns the usernames whose creation it acknowledged on stdout.
fn killed_batch(dir: &Path, trial: usize, delay: Duration) -> Vec<String> {
    let mut input = format!("login --username admin --role admin --password {ADMIN_PASSWORD}\n");
    for number in 1..=USERS_PER_BATCH {
        input.push_str(&format!(
            "user create --username {} --role crypto-user --password {}\n",
            username(trial, number),
            password(trial, number)
        ));
    }
    let batch = Test::new().state(dir);
    let mut child = batch.spawn();
    let mut stdin = child.stdin.take().expect("stdin is piped");
    // The batch dies with the pipe still open, so the write may fail half-way.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).is_ok());
    let stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    // Whatever reached the pipe was printed after its command committed, so every whole line
    // read up to the end of the pipe was acknowledged before the kill.
    let reader = std::thread::spawn(move || {
        stdout
            .lines()
            .map_while(Result::ok)
            .filter_map(|line| serde_json::from_str::<Value>(&line).ok())
            .collect::<Vec<Value>>()
    });
    std::thread::sleep(delay);
    let finished = child.try_wait().expect("try_wait").is_some();
    assert!(!finished, "trial {trial}: the batch ended before its kill");
    child.kill().expect("cannot kill the batch");
    let status = child.wait().expect("cannot wait for the batch");
    assert_eq!(status.signal(), Some(9), "trial {trial}: {status:?}");
    let _ = writer.join();
    let envelopes = reader.join().expect("the stdout reader panicked");
    let mut acknowledged = Vec::new();
    for (index, envelope) in envelopes.iter().enumerate() {
        if index == 0 {
            assert_eq!(*envelope, user_ref("admin", "admin"), "trial {trial}");
            continue;
        }
        let expected = username(trial, index);
        assert_eq!(
            *envelope,
            user_ref(&expected, "crypto-user"),
            "trial {trial}"
        );
        acknowledged.push(expected);
    }
    acknowledged
}

#[test]
fn batches_killed_at_random_points_keep_every_acknowledged_user_and_a_sound_state() {
    let seed = seed();
    let trials = trials();
    // Shown on failure: CLOUDHSM_SHELL_CRASH_SEED=<seed> runs the same delays again.
    println!("crash test: seed {seed}, {trials} trials");
    let mut random = StdRng::seed_from_u64(seed);
    let state = state_with_users(&[]);
    let dir = &state.state_dir;
    let started = Instant::now();
    let mut acknowledged_total = 0;
    for trial in 1..=trials {
        let delay = Duration::from_millis(random.random_range(0..=LONGEST_DELAY_MS));
        let acknowledged = killed_batch(dir, trial, delay);
        let context = format!("seed {seed}, trial {trial}, kill after {delay:?}");
        assert_eq!(integrity(dir), "ok", "{context}");

        let prefix = format!("t{trial:02}");
        let mut created = usernames(&users_in(dir));
        created.retain(|name| name.starts_with(&prefix));
        // The batch runs one line at a time: the kill may fall between a commit and its reply,
        // so one more user than acknowledged may exist, never fewer and never a gap.
        let count = created.len();
        assert!(
            count == acknowledged.len() || count == acknowledged.len() + 1,
            "{context}: {count} users exist, {} were acknowledged",
            acknowledged.len()
        );
        let first: Vec<String> = (1..=count).map(|number| username(trial, number)).collect();
        assert_eq!(created, first, "{context}: not the first {count} lines");
        acknowledged_total += acknowledged.len();
        println!(
            "{context}: {} acknowledged, {count} created",
            acknowledged.len()
        );

        // The state takes new commands, and the last user created logs in with its password.
        let mut lines = format!(
            "login --username admin --role admin --password {ADMIN_PASSWORD}\n\
             user create --username {prefix}after --role crypto-user --password pw-after-kill\n\
             logout\n"
        );
        let mut replies = vec![
            user_ref("admin", "admin"),
            user_ref(&format!("{prefix}after"), "crypto-user"),
            logout_ok(),
        ];
        if count > 0 {
            lines.push_str(&format!(
                "login --username {} --role crypto-user --password {}\nlogout\n",
                username(trial, count),
                password(trial, count)
            ));
            replies.push(user_ref(&username(trial, count), "crypto-user"));
            replies.push(logout_ok());
        }
        Test::new()
            .state(dir)
            .stdin(&lines)
            .stdout_json(replies)
            .run();
    }
    println!(
        "crash test: {trials} trials, {acknowledged_total} acknowledged creations kept, {:?}",
        started.elapsed()
    );
}
