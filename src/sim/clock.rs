//! The simulator's notion of "now", which belongs to the state: a state made with `--seed` runs
//! on a virtual clock, any other on the system clock; either moved forward by the offset
//! `sim advance-clock` keeps in the state.
//!
//! The virtual clock starts at [`VIRTUAL_EPOCH_UNIX`] and moves only when `sim advance-clock` or a
//! `--wait` moves it, so every timestamp of a seeded state is byte-stable. Because the kind is
//! the state's, every process on one state (seeded or not) reads the same time.

use crate::error::Result;
use rusqlite::Connection;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where a virtual clock starts: 2026-01-01T00:00:00Z.
pub const VIRTUAL_EPOCH_UNIX: i64 = 1_767_225_600;

/// Sets the clock of a new state: virtual for a seeded one. Called once, as the state is made.
pub fn start(db: &Connection, seeded: bool) -> Result<()> {
    db.prepare_cached("UPDATE simulator SET virtual_clock = ?1 WHERE singleton = 1")?
        .execute([seeded])?;
    Ok(())
}

/// Whether the state runs on the virtual clock.
pub fn is_virtual(db: &Connection) -> Result<bool> {
    Ok(reading(db)?.0)
}

/// Seconds since the Unix epoch: the state's clock plus its offset.
pub fn now_unix(db: &Connection) -> Result<i64> {
    let (virtual_clock, offset) = reading(db)?;
    let base = if virtual_clock {
        VIRTUAL_EPOCH_UNIX
    } else {
        system_now_unix()
    };
    Ok(base.saturating_add(offset))
}

/// Moves the state's clock `seconds` forward for every process on it; returns the new "now".
pub fn advance(db: &Connection, seconds: i64) -> Result<i64> {
    db.prepare_cached(
        "UPDATE simulator SET clock_offset_seconds = clock_offset_seconds + ?1
         WHERE singleton = 1",
    )?
    .execute([seconds])?;
    now_unix(db)
}

fn reading(db: &Connection) -> Result<(bool, i64)> {
    let reading = db
        .prepare_cached(
            "SELECT virtual_clock, clock_offset_seconds FROM simulator WHERE singleton = 1",
        )?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(reading)
}

fn system_now_unix() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(elapsed) => i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
        // A clock set before 1970 is a broken host; clamp rather than fail every command.
        Err(_) => 0,
    }
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
    fn the_clock_is_the_states_and_carries_its_offset() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(
            "CREATE TABLE simulator (singleton INTEGER PRIMARY KEY, virtual_clock INTEGER,
                                     clock_offset_seconds INTEGER);
             INSERT INTO simulator VALUES (1, 0, 0);",
        )
        .unwrap();
        let system_before = system_now_unix();
        assert!(!is_virtual(&db).unwrap());
        assert!(now_unix(&db).unwrap() >= system_before);
        start(&db, true).unwrap();
        assert!(is_virtual(&db).unwrap());
        assert_eq!(now_unix(&db).unwrap(), VIRTUAL_EPOCH_UNIX);
        assert_eq!(now_unix(&db).unwrap(), VIRTUAL_EPOCH_UNIX);
        assert_eq!(advance(&db, 600).unwrap(), VIRTUAL_EPOCH_UNIX + 600);
        assert_eq!(now_unix(&db).unwrap(), VIRTUAL_EPOCH_UNIX + 600);
        start(&db, false).unwrap();
        assert!(now_unix(&db).unwrap() >= system_before + 600);
    }
}
