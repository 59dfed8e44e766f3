//! The pauses of a `--wait` on AWS and the 32-bit members of requests.

use super::*;

fn pauses(poll: Duration, count: usize) -> Vec<u64> {
    let mut next = None;
    (0..count)
        .map(|_| {
            let (pause, after) = backoff(next, poll);
            next = Some(after);
            pause.as_millis() as u64
        })
        .collect()
}

#[test]
fn waits_start_at_a_second_and_double_up_to_fifteen() {
    assert_eq!(
        pauses(Duration::from_millis(100), 7),
        [1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000]
    );
}

#[test]
fn a_longer_poll_is_honoured() {
    assert_eq!(
        pauses(Duration::from_secs(3), 4),
        [3_000, 6_000, 12_000, 15_000]
    );
    assert_eq!(pauses(Duration::from_secs(20), 2), [20_000, 20_000]);
}

#[test]
fn integer_members_must_fit_32_bits() {
    assert_eq!(int32(1000, "limit").unwrap(), 1000);
    assert_eq!(
        int32(1 << 40, "limit").unwrap_err().to_string(),
        "ValidationException: 1 validation error detected: Value '1099511627776' at 'limit' \
         failed to satisfy constraint: Member must have value less than or equal to 2147483647"
    );
}
