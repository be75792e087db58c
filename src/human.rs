//! Numbers for people: thousands separators, h:mm:ss, km, min/km. Used by the terminal
//! view and the messages on stderr; CSV, JSON and Parquet keep machine units.

/// `3412` → `"3,412"`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Seconds as `h:mm:ss` (`m:ss` under an hour); non-finite or negative: empty.
pub fn duration(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return String::new();
    }
    let total = secs.round() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Metres as km with two decimals.
pub fn km(metres: f64) -> String {
    if metres.is_finite() {
        format!("{:.2}", metres / 1000.0)
    } else {
        String::new()
    }
}

/// Pace `m:ss` per km from a distance and a moving time; empty when under 10 m.
pub fn pace_min_per_km(metres: f64, secs: f64) -> String {
    if !(metres.is_finite() && secs.is_finite()) || metres < 10.0 || secs <= 0.0 {
        return String::new();
    }
    let per_km = secs / (metres / 1000.0);
    if per_km >= 3600.0 {
        return String::new();
    }
    duration(per_km)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped_by_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(3412), "3,412");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn durations_read_as_clock_times() {
        assert_eq!(duration(1740.0), "29:00");
        assert_eq!(duration(59.4), "0:59");
        assert_eq!(duration(3600.0), "1:00:00");
        assert_eq!(duration(36_061.0), "10:01:01");
        assert_eq!(duration(f64::NAN), "");
    }

    #[test]
    fn pace_is_time_per_km() {
        // 5 km in 25 min: 5:00 /km.
        assert_eq!(pace_min_per_km(5000.0, 1500.0), "5:00");
        assert_eq!(pace_min_per_km(0.0, 1500.0), "");
        assert_eq!(km(12_345.0), "12.35");
    }
}
