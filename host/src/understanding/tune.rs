//! A tuning harness for the classifier's settings: an ignored test driven by environment
//! variables (`TUNE_ALPHA`, `TUNE_ITER`, `TUNE_MIN_DF`, `TUNE_MAX_TERMS`, `TUNE_CALIBRATE`,
//! `TUNE_T`, `TUNE_PROBE`), printing the held-out evaluation and a threshold sweep.

use super::corpus::{corpus_examples, heldout, shipped_corpus};
use crate::learn::Fitting;
use crate::learn::{self, Split, Training};

fn env(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
#[ignore = "a tuning harness: TUNE_ALPHA=.. TUNE_ITER=.. TUNE_MIN_DF=.. cargo test tune -- --ignored --nocapture"]
fn tune() {
    let catalog = crate::seed::parts().unwrap().catalog;
    let corpus = shipped_corpus(&catalog);
    let examples = corpus_examples(&corpus);
    let training = Training {
        categories: Fitting {
            alpha: env("TUNE_ALPHA", 0.08),
            max_iterations: env("TUNE_ITER", 60.0) as u64,
        },
        items: Fitting {
            alpha: env("TUNE_ITEM_ALPHA", env("TUNE_ALPHA", 0.08)),
            max_iterations: env("TUNE_ITER", 60.0) as u64,
        },
        min_documents: env("TUNE_MIN_DF", 2.0) as usize,
        max_terms: env("TUNE_MAX_TERMS", 12000.0) as usize,
        calibrate_one_in: env("TUNE_CALIBRATE", 10.0) as u64,
    };
    let started = std::time::Instant::now();
    let model = learn::train(&catalog, &examples, training, &mut |_| {}).unwrap();
    let trained = started.elapsed();
    let evaluation = learn::evaluate(
        &model,
        &catalog,
        &heldout(&corpus),
        env("TUNE_T", 0.5) as f32,
    );
    let train_eval = learn::evaluate(
        &model,
        &catalog,
        &corpus
            .iter()
            .filter(|l| l.split == Split::Train)
            .cloned()
            .collect::<Vec<_>>(),
        0.4,
    );
    for t in [0.2f32, 0.3, 0.4, 0.5, 0.6, 0.7] {
        let e = learn::evaluate(&model, &catalog, &heldout(&corpus), t);
        println!(
            "t={t}: auto {:.2} cat {:.3} item {:.3}",
            e.threshold.automatic,
            e.threshold.automatic_category_accuracy,
            e.threshold.automatic_item_accuracy
        );
    }
    if let Ok(probe) = std::env::var("TUNE_PROBE") {
        let reference = crate::reference::Reference::new(crate::seed::parts().unwrap()).unwrap();
        for text in probe.split('|') {
            println!(
                "{text}: {:?}",
                model.predict(text, reference.keywords()).suggestions
            );
        }
    }
    println!(
        "{training:?}\ntrained in {trained:?}, {} terms, {:?} on {} held back\n{evaluation}\ntrain accuracy {:.3}",
        model.info.terms,
        model.info.calibration,
        model.info.held_back,
        train_eval.category_accuracy
    );
}
