//! The one place where the WIT contract (`wit/`, package `streetwise:plugin`) becomes Rust.
//! The rest of the host uses the short aliases re-exported here, never the generated paths.
//!
//! The three worlds share their interfaces: the classifier bindings generate them and the
//! router and scenario bindings reuse those types with `with`.

mod classifier_world {
    wasmtime::component::bindgen!({
        world: "classifier",
        path: "../wit",
        imports: { default: async | trappable },
        exports: { default: async },
    });
}

mod router_world {
    wasmtime::component::bindgen!({
        world: "router",
        path: "../wit",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "streetwise:plugin/types": super::classifier_world::streetwise::plugin::types,
            "streetwise:plugin/catalog": super::classifier_world::streetwise::plugin::catalog,
            "streetwise:plugin/directory": super::classifier_world::streetwise::plugin::directory,
            "streetwise:plugin/stats": super::classifier_world::streetwise::plugin::stats,
            "streetwise:plugin/config": super::classifier_world::streetwise::plugin::config,
            "streetwise:plugin/log": super::classifier_world::streetwise::plugin::log,
        },
    });
}

mod scenario_world {
    wasmtime::component::bindgen!({
        world: "scenario",
        path: "../wit",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "streetwise:plugin/types": super::classifier_world::streetwise::plugin::types,
            "streetwise:plugin/catalog": super::classifier_world::streetwise::plugin::catalog,
            "streetwise:plugin/directory": super::classifier_world::streetwise::plugin::directory,
            "streetwise:plugin/stats": super::classifier_world::streetwise::plugin::stats,
            "streetwise:plugin/config": super::classifier_world::streetwise::plugin::config,
            "streetwise:plugin/log": super::classifier_world::streetwise::plugin::log,
        },
    });
}

pub use classifier_world::streetwise::plugin::{catalog, config, directory, log, stats, types};
pub use classifier_world::{Classifier, ClassifierPre};
pub use router_world::RouterPre;
pub use scenario_world::ScenarioPre;
