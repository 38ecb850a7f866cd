#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| petition_fuzz::receipt::check(data));
