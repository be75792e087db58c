//! Compares our time in zone with the watches' own `time_in_zone` over the corpus.
//! `cargo run --release --example oracle_study [-- ../shared/fit-corpus]`
use hrzones::activity::Activity;
use hrzones::fit;
use hrzones::zones::{self, TimeInZoneOptions};

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or("../shared/fit-corpus".into());
    let manifest = std::fs::read_to_string(format!("{dir}/MANIFEST.csv")).unwrap();
    let mut errs = Vec::new();
    for line in manifest.lines().skip(1) {
        let file = line.split(',').next().unwrap();
        let bytes = std::fs::read(format!("{dir}/{file}")).unwrap();
        let Ok(data) = fit::decode(&bytes, Default::default()) else {
            continue;
        };
        let a = Activity::from_fit(data, file);
        for s in &a.sessions {
            let Some(dz) = &s.device_zones else { continue };
            if s.is_swim() || s.timer_s < 60.0 || dz.high_bounds_bpm.len() < 2 {
                continue;
            }
            let z = zones::zones_from_high_bounds(&dz.high_bounds_bpm, "file".into()).unwrap();
            let w = zones::session_weights(&a, s, TimeInZoneOptions { max_gap_s: 1e9 });
            let hr = &a.samples.hr_bpm[s.samples.clone()];
            let ours = if std::env::var("FORWARD").is_ok() {
                let mut wb = vec![0.0; w.len()];
                for i in 1..w.len() {
                    if hr[i - 1] != 0 {
                        wb[i - 1] = w[i];
                    }
                }
                zones::time_in_zones(hr, &wb, &z)
            } else {
                zones::time_in_zones(hr, &w, &z)
            };
            let mut dev = dz.secs.clone();
            while dev.len() > ours.len() {
                let x = dev.pop().unwrap();
                *dev.last_mut().unwrap() += x;
            }
            let total: f64 = dev.iter().sum();
            if total <= 0.0 {
                continue;
            }
            let diff: f64 = ours.iter().zip(&dev).map(|(a, b)| (a - b).abs()).sum();
            let e = diff / total;
            errs.push(e);
            println!(
                "{:6.2}% {:>5} {:>10} strap={} {} ours={:?} dev={:?}",
                e * 100.0,
                s.sport_name(),
                s.timer_s,
                a.hr_from_strap,
                file,
                ours.iter().map(|x| x.round()).collect::<Vec<_>>(),
                dev.iter().map(|x| x.round()).collect::<Vec<_>>()
            );
        }
    }
    errs.sort_by(|a, b| a.total_cmp(b));
    let n = errs.len();
    println!(
        "n={n} median={:.3}% p90={:.3}% max={:.3}%",
        errs[n / 2] * 100.0,
        errs[n * 9 / 10] * 100.0,
        errs[n - 1] * 100.0
    );
}
