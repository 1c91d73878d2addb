;; A classifier component that instantiates three core modules, each with its own linear
;; memory: a valid `streetwise:plugin@0.1.0` classifier (it keeps the baseline) that takes three
;; memory slots from the host's instance pool, more than the host gives one plugin instance
;; (two). Rust components built by wit-component never carry more than one memory, hence text;
;; the tests assemble it with `wat`.
(component
  (core module $m
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 1024))
    ;; A bump allocator for the host to lower the event into.
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $at i32)
      (local.set $at
        (i32.and
          (i32.add (global.get $next) (i32.sub (local.get 2) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get 2))))
      (global.set $next (i32.add (local.get $at) (local.get 3)))
      (block $fits
        (br_if $fits
          (i32.le_u (global.get $next) (i32.mul (memory.size) (i32.const 65536))))
        (drop (memory.grow
          (i32.add (i32.const 1)
            (i32.shr_u (global.get $next) (i32.const 16))))))
      (local.get $at))
    ;; `ok(none)` at address 0.
    (func (export "classify") (param i32) (result i32)
      (i32.store (i32.const 0) (i32.const 0))
      (i32.store (i32.const 4) (i32.const 0))
      (i32.const 0)))
  (core instance $i (instantiate $m))
  ;; Two more instances, one memory each: they are what the pool has to find slots for.
  (core module $extra (memory (export "memory") 1))
  (core instance (instantiate $extra))
  (core instance (instantiate $extra))

  (type $source' (enum "hotline" "letter" "web" "grid" "sensor" "referral" "scenario" "other"))
  (export $source "source" (type $source'))
  (type $priority' (enum "low" "normal" "high" "urgent"))
  (export $priority "priority" (type $priority'))
  (type $location' (record
    (field "street-code" string)
    (field "street-name" string)
    (field "community" (option string))
    (field "grid" (option string))
    (field "lat" (option f64))
    (field "lon" (option f64))
    (field "address" (option string))))
  (export $location "location" (type $location'))
  (type $event' (record
    (field "id" string)
    (field "source" $source)
    (field "description" string)
    (field "reported-at" string)
    (field "location" $location)
    (field "attributes" (list (tuple string string)))))
  (export $event "event" (type $event'))
  (type $classification' (record
    (field "item-code" string)
    (field "confidence" f32)
    (field "priority" $priority)
    (field "tags" (list string))
    (field "reason" string)))
  (export $classification "classification" (type $classification'))

  (func $classify
    (param "event" $event)
    (param "baseline" (option $classification))
    (result (result (option $classification) (error string)))
    (canon lift (core func $i "classify")
      (memory (core memory $i "memory"))
      (realloc (core func $i "realloc"))))
  (export "classify" (func $classify)))
