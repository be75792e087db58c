//! Load risk from the daily load series (Σ hrTSS per day, rest days 0): the acute:chronic
//! workload ratio two ways, Foster's monotony and strain, and the CTL ramp rate.
//!
//! - **ACWR, EWMA** (Williams, West, Cross & Stokes 2017, Br J Sports Med 51:209-210):
//!   `EWMA_t = λ · load_t + (1 − λ) · EWMA_{t−1}`, `λ = 2 / (N + 1)`, N = 7 days (acute)
//!   and 28 days (chronic), both starting from 0 the day before the first day of data;
//!   ratio = acute / chronic.
//! - **ACWR, uncoupled rolling average** (Windt & Gabbett 2019, Br J Sports Med
//!   53:988-990; Lolli et al. 2019): acute = mean load of days t−6…t, chronic = mean of
//!   days t−27…t−7 (21 days that do not include the acute week); ratio = acute / chronic.
//! - **Coverage floor**: no ratio before 28 days of data (day index 27 from the first
//!   session), and none when the chronic load is 0 (null with a note, never 0).
//! - **Bands**: default 0.8–1.3 (Gabbett 2016, Br J Sports Med 50:273-280, the "sweet
//!   spot"), configurable. The band is contested — the ratio couples numerator and
//!   denominator and its link to injury is statistically weak (Impellizzeri et al. 2020,
//!   Int J Sports Physiol Perform 15:907-913) — so it is shown as context, not a verdict.
//! - **Monotony and strain** (Foster 1998, Med Sci Sports Exerc 30:1164-1168): per ISO
//!   week, monotony = mean daily load / standard deviation of daily load over the seven
//!   days, rest days included as 0 (population SD, ÷ 7: the week is the whole population);
//!   strain = weekly load × monotony. A week with the same load every day has SD 0:
//!   monotony is null (undefined), with a note.
//! - **CTL ramp rate** (TrainingPeaks, "ramp rate"): CTL today − CTL seven days before,
//!   with CTL from [`crate::load::pmc_series`].

/// Days of the acute EWMA.
pub const ACUTE_DAYS: usize = 7;
/// Days of the chronic EWMA, and the coverage floor.
pub const CHRONIC_DAYS: usize = 28;

/// Configurable ACWR band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AcwrBand {
    /// Below this the load is "under" (detraining side).
    pub low: f64,
    /// Above this the load is "over" (spike side).
    pub high: f64,
}

impl Default for AcwrBand {
    fn default() -> Self {
        AcwrBand {
            low: 0.8,
            high: 1.3,
        }
    }
}

impl AcwrBand {
    /// "under", "within" or "over".
    pub fn label(&self, ratio: f64) -> &'static str {
        if ratio < self.low {
            "under"
        } else if ratio > self.high {
            "over"
        } else {
            "within"
        }
    }
}

/// One day's ACWR: numerator, denominator and ratio (None before the coverage floor or
/// with a chronic load of 0).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Ratio {
    /// Acute load (EWMA or 7-day mean).
    pub acute: f64,
    /// Chronic load (EWMA or 21-day mean).
    pub chronic: f64,
    /// acute / chronic.
    pub ratio: Option<f64>,
}

/// EWMA of a daily series with λ = 2 / (N + 1), starting from 0.
pub fn ewma(daily: &[f64], n_days: usize) -> Vec<f64> {
    let lambda = 2.0 / (n_days as f64 + 1.0);
    let mut x = 0.0;
    daily
        .iter()
        .map(|&l| {
            x = lambda * l + (1.0 - lambda) * x;
            x
        })
        .collect()
}

fn ratio_of(acute: f64, chronic: f64, covered: bool) -> Ratio {
    Ratio {
        acute,
        chronic,
        ratio: (covered && chronic > 0.0).then(|| acute / chronic),
    }
}

/// EWMA ACWR per day (Williams et al. 2017).
pub fn acwr_ewma(daily: &[f64]) -> Vec<Ratio> {
    let a = ewma(daily, ACUTE_DAYS);
    let c = ewma(daily, CHRONIC_DAYS);
    (0..daily.len())
        .map(|t| ratio_of(a[t], c[t], t + 1 >= CHRONIC_DAYS))
        .collect()
}

/// Uncoupled rolling-average ACWR per day (Windt & Gabbett 2019): days before the floor
/// get the sums over what exists but no ratio.
pub fn acwr_rolling(daily: &[f64]) -> Vec<Ratio> {
    // Prefix sums: the window sums in O(1).
    let mut prefix = vec![0.0; daily.len() + 1];
    for (i, l) in daily.iter().enumerate() {
        prefix[i + 1] = prefix[i] + l;
    }
    let sum = |from: usize, to_incl: usize| prefix[to_incl + 1] - prefix[from];
    (0..daily.len())
        .map(|t| {
            let acute = sum(t.saturating_sub(6), t) / 7.0;
            let chronic = if t >= 7 {
                sum(t.saturating_sub(27), t - 7) / 21.0
            } else {
                0.0
            };
            ratio_of(acute, chronic, t + 1 >= CHRONIC_DAYS)
        })
        .collect()
}

/// Foster's numbers for one week of daily loads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Monotony {
    /// Σ daily load.
    pub weekly_load: f64,
    /// Mean daily load.
    pub mean: f64,
    /// Population SD of the daily loads.
    pub sd: f64,
    /// Days in the week (7; fewer only at the edges of the data).
    pub days: usize,
    /// mean / sd (None when sd = 0).
    pub monotony: Option<f64>,
    /// weekly load × monotony.
    pub strain: Option<f64>,
}

/// Monotony and strain of one week's daily loads (rest days as 0).
pub fn monotony(week: &[f64]) -> Option<Monotony> {
    if week.is_empty() {
        return None;
    }
    let n = week.len() as f64;
    let total: f64 = week.iter().sum();
    let mean = total / n;
    let sd = (week.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / n).sqrt();
    // A rounding residue is not variation.
    let mono = (sd > 1e-9 * mean.abs().max(1.0)).then(|| mean / sd);
    Some(Monotony {
        weekly_load: total,
        mean,
        sd,
        days: week.len(),
        monotony: mono,
        strain: mono.map(|m| total * m),
    })
}

/// CTL change over the last seven days per day (None for the first seven days).
pub fn ramp_rate(ctl: &[f64]) -> Vec<Option<f64>> {
    (0..ctl.len())
        .map(|t| (t >= 7).then(|| ctl[t] - ctl[t - 7]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ewma_matches_its_closed_form() {
        let loads: Vec<f64> = (0..60).map(|d| ((d * 37) % 90) as f64).collect();
        let e = ewma(&loads, 7);
        let l = 0.25;
        for (t, got) in e.iter().enumerate() {
            let closed: f64 = (0..=t)
                .map(|k| l * loads[k] * (1.0f64 - l).powi((t - k) as i32))
                .sum();
            assert!((got - closed).abs() < 1e-9);
        }
    }

    #[test]
    fn ratios_wait_for_28_days_and_refuse_a_zero_chronic_load() {
        let flat = vec![50.0; 40];
        let r = acwr_rolling(&flat);
        assert!(r[26].ratio.is_none() && r[27].ratio == Some(1.0));
        let e = acwr_ewma(&flat);
        assert!(e[26].ratio.is_none());
        // EWMA from 0: acute 50·(1 − 0.75^28), chronic 50·(1 − (27/29)^28).
        let want = (1.0 - 0.75f64.powi(28)) / (1.0 - (27.0f64 / 29.0).powi(28));
        assert!((e[27].ratio.unwrap() - want).abs() < 1e-12);
        let mut spike = vec![0.0; 35];
        spike[34] = 70.0;
        // Chronic days 7..27 before t = 34 are all 0: no ratio, not infinity.
        assert_eq!(acwr_rolling(&spike)[34].ratio, None);
    }

    #[test]
    fn monotony_is_mean_over_population_sd() {
        let m = monotony(&[100.0, 0.0, 100.0, 0.0, 100.0, 0.0, 100.0]).unwrap();
        // mean 400/7, SD sqrt(4·(300/7)² + 3·(400/7)²)/√7 ... = 100·√12/7.
        assert!((m.mean - 400.0 / 7.0).abs() < 1e-12);
        assert!((m.sd - 100.0 * 12f64.sqrt() / 7.0).abs() < 1e-12);
        assert!((m.monotony.unwrap() - 4.0 / 12f64.sqrt()).abs() < 1e-12);
        assert!((m.strain.unwrap() - 400.0 * 4.0 / 12f64.sqrt()).abs() < 1e-9);
        assert_eq!(monotony(&[60.0; 7]).unwrap().monotony, None);
    }
}
