//! Classification cost at intake: the district's learned model (jieba segmentation, features,
//! the category and item softmaxes) per event, against the catalog's keyword matcher it
//! replaced, on the shipped corpus's held-out appeals, one call at a time. Also prints the
//! model's accuracy on the same appeals, so cost and quality are read side by side.
//!
//! `cargo bench -p streetwise-tests --bench classify`

use std::time::{Duration, Instant};

use streetwise::learn::{self, Training};
use streetwise::reference::Reference;
use streetwise::understanding::training::{corpus_examples, heldout, shipped_corpus};

const ROUNDS: usize = 50;

fn main() -> anyhow::Result<()> {
    let reference =
        Reference::new(streetwise::seed::parts()?).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let catalog = &reference.catalog;
    let corpus = shipped_corpus(catalog);
    let examples = corpus_examples(&corpus);
    let started = Instant::now();
    let model = learn::train(catalog, &examples, Training::default(), &mut |_| {})?;
    println!(
        "trained on {} examples ({} terms) in {:.1} s",
        model.info.examples,
        model.info.terms,
        started.elapsed().as_secs_f64()
    );
    let appeals = heldout(&corpus);
    let threshold = streetwise::settings::Settings::defaults()
        .classifier
        .manual_dispatch_below;
    println!("{}", learn::evaluate(&model, catalog, &appeals, threshold));
    learn::warm_up();

    let keywords = reference.keywords();
    let mut learned = Vec::with_capacity(ROUNDS * appeals.len());
    let mut baseline = Vec::with_capacity(ROUNDS * appeals.len());
    for _ in 0..ROUNDS {
        for appeal in &appeals {
            let t = Instant::now();
            std::hint::black_box(model.predict(std::hint::black_box(&appeal.text), keywords));
            learned.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(reference.classify(std::hint::black_box(&appeal.text)));
            baseline.push(t.elapsed());
        }
    }
    let (l, b) = (percentiles(&mut learned), percentiles(&mut baseline));
    println!(
        "per event, {} calls each: learned model p50 {:.1} µs, p90 {:.1} µs, p99 {:.1} µs; \
         keyword matcher p50 {:.1} µs, p90 {:.1} µs, p99 {:.1} µs; p99 ratio {:.1}×",
        learned.len(),
        l[0],
        l[1],
        l[2],
        b[0],
        b[1],
        b[2],
        l[2] / b[2]
    );
    Ok(())
}

/// p50, p90 and p99 in microseconds.
fn percentiles(samples: &mut [Duration]) -> [f64; 3] {
    samples.sort();
    [0.50, 0.90, 0.99].map(|q| {
        let i = ((samples.len() as f64 * q) as usize).min(samples.len() - 1);
        samples[i].as_secs_f64() * 1e6
    })
}
