//! The simulator's notion of "now": the system clock, or a virtual clock for deterministic runs,
//! either moved forward by the offset `sim advance-clock` keeps in the state.
//!
//! With `--seed` the clock is virtual: it starts at [`VIRTUAL_EPOCH_UNIX`] and moves only when
//! `sim advance-clock` or a `--wait` moves it, so every timestamp in a seeded run is byte-stable.

use crate::error::Result;
use rusqlite::Connection;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where a virtual clock starts: 2026-01-01T00:00:00Z.
pub const VIRTUAL_EPOCH_UNIX: i64 = 1_767_225_600;

/// Where timestamps in the simulated state come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    System,
    /// Stands at [`VIRTUAL_EPOCH_UNIX`] until moved.
    Virtual,
}

impl Clock {
    /// The virtual clock for seeded (deterministic) runs, the system clock otherwise.
    pub fn for_seed(seed: Option<u64>) -> Clock {
        if seed.is_some() {
            Clock::Virtual
        } else {
            Clock::System
        }
    }

    /// Seconds since the Unix epoch, including the state's offset.
    pub fn now_unix(self, db: &Connection) -> Result<i64> {
        Ok(self.base_unix().saturating_add(offset(db)?))
    }

    /// Moves the clock `seconds` forward for every process on the state; returns the new "now".
    pub fn advance(self, db: &Connection, seconds: i64) -> Result<i64> {
        db.prepare_cached(
            "UPDATE simulator SET clock_offset_seconds = clock_offset_seconds + ?1
             WHERE singleton = 1",
        )?
        .execute([seconds])?;
        self.now_unix(db)
    }

    fn base_unix(self) -> i64 {
        match self {
            Clock::System => match SystemTime::now().duration_since(UNIX_EPOCH) {
                Ok(elapsed) => i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
                // A clock set before 1970 is a broken host; clamp rather than fail every command.
                Err(_) => 0,
            },
            Clock::Virtual => VIRTUAL_EPOCH_UNIX,
        }
    }
}

/// Seconds `sim advance-clock` has moved this state's clock.
fn offset(db: &Connection) -> Result<i64> {
    let offset = db
        .prepare_cached("SELECT clock_offset_seconds FROM simulator WHERE singleton = 1")?
        .query_row([], |row| row.get(0))?;
    Ok(offset)
}

/// A UTC calendar instant, as certificate validity periods need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CivilTime {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub seconds_of_day: u32,
}

impl CivilTime {
    /// The UTC calendar date and time of a Unix timestamp.
    pub fn from_unix(unix_seconds: i64) -> CivilTime {
        let days = unix_seconds.div_euclid(86_400);
        let seconds_of_day = unix_seconds.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        CivilTime {
            year,
            month,
            day,
            seconds_of_day,
        }
    }

    /// The same wall-clock instant `years` later; 29 February becomes 28 February when the
    /// target year is not a leap year.
    pub fn plus_years(self, years: i32) -> CivilTime {
        let year = self.year + years;
        let day = if self.month == 2 && self.day == 29 && !is_leap_year(year) {
            28
        } else {
            self.day
        };
        CivilTime { year, day, ..self }
    }
}

/// ISO 8601 in UTC, as `2026-01-01T00:10:00Z`.
impl std::fmt::Display for CivilTime {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seconds = self.seconds_of_day;
        write!(
            formatter,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year,
            self.month,
            self.day,
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        )
    }
}

fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to a proleptic Gregorian date.
fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u8;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u8;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year as i32, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_known_instants() {
        assert_eq!(
            CivilTime::from_unix(0),
            CivilTime {
                year: 1970,
                month: 1,
                day: 1,
                seconds_of_day: 0
            }
        );
        // 2024-02-29T12:34:56Z
        let leap_day = CivilTime::from_unix(1_709_210_096);
        assert_eq!((leap_day.year, leap_day.month, leap_day.day), (2024, 2, 29));
        assert_eq!(leap_day.seconds_of_day, 12 * 3600 + 34 * 60 + 56);
        assert_eq!(leap_day.to_string(), "2024-02-29T12:34:56Z");
        assert_eq!(
            CivilTime::from_unix(VIRTUAL_EPOCH_UNIX).to_string(),
            "2026-01-01T00:00:00Z"
        );
        let later = leap_day.plus_years(10);
        assert_eq!((later.year, later.month, later.day), (2034, 2, 28));
        // 1969-12-31T23:59:59Z
        let before_epoch = CivilTime::from_unix(-1);
        assert_eq!(
            (before_epoch.year, before_epoch.month, before_epoch.day),
            (1969, 12, 31)
        );
    }

    #[test]
    fn the_virtual_clock_moves_only_when_advanced_and_both_clocks_carry_the_offset() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(
            "CREATE TABLE simulator (singleton INTEGER PRIMARY KEY, clock_offset_seconds INTEGER);
             INSERT INTO simulator VALUES (1, 0);",
        )
        .unwrap();
        assert_eq!(Clock::Virtual.now_unix(&db).unwrap(), VIRTUAL_EPOCH_UNIX);
        assert_eq!(Clock::Virtual.now_unix(&db).unwrap(), VIRTUAL_EPOCH_UNIX);
        let system_before = Clock::System.now_unix(&db).unwrap();
        assert_eq!(
            Clock::Virtual.advance(&db, 600).unwrap(),
            VIRTUAL_EPOCH_UNIX + 600
        );
        assert_eq!(
            Clock::Virtual.now_unix(&db).unwrap(),
            VIRTUAL_EPOCH_UNIX + 600
        );
        assert!(Clock::System.now_unix(&db).unwrap() >= system_before + 600);
        assert_eq!(Clock::for_seed(Some(7)), Clock::Virtual);
        assert_eq!(Clock::for_seed(None), Clock::System);
    }
}
