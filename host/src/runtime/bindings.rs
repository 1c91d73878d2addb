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
        with: { "streetwise:plugin": super::classifier_world::streetwise::plugin },
    });
}

mod scenario_world {
    wasmtime::component::bindgen!({
        world: "scenario",
        path: "../wit",
        imports: { default: async | trappable },
        exports: { default: async },
        with: { "streetwise:plugin": super::classifier_world::streetwise::plugin },
    });
}

pub use classifier_world::streetwise::plugin::{
    base_data, catalog, config, directory, log, stats, types,
};
pub use classifier_world::{Classifier, ClassifierPre};
pub use router_world::RouterPre;
pub use scenario_world::ScenarioPre;
