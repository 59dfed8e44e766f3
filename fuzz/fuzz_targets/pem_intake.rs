//! Fuzzes what reads keys and certificates from outside: SPKI PEM and DER public keys, reference
//! PEMs, trust anchor certificates and the cluster certificate check. None may panic, and a key
//! that is accepted writes back to a PEM that reads to the same key.
#![no_main]

use cloudhsm_shell::backend::kms::sim::certificate_der;
use cloudhsm_shell::sim::ca::verify_signed_certificate;
use cloudhsm_shell::sim::crypto::{
    parse_public_der, parse_public_pem, parse_reference_pem, public_pem,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(public) = parse_public_der(bytes) {
        assert_eq!(public.as_der(), bytes, "an accepted DER key changed");
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(public) = parse_public_pem(text) {
        let written = public_pem(&public);
        let reread = parse_public_pem(&written)
            .unwrap_or_else(|error| panic!("an accepted key does not read back: {error}"));
        assert_eq!(reread.as_der(), public.as_der());
    }
    let _ = parse_reference_pem(text);
    if let Ok(der) = certificate_der(text) {
        assert!(!der.is_empty());
    }
    let _ = verify_signed_certificate(text, text, text);
});
