//! The customer CA and the cluster certificate it signs, as a customer initialising a real
//! cluster would make them (`openssl req -x509` for `customerCA.crt`, then signing the cluster CSR).
//!
//! Only the two certificates leave this module: the private keys are dropped as soon as the
//! cluster certificate is signed, so no key of the simulated customer CA is ever stored.
//!
//! The keys are Ed25519, whose signatures are deterministic: with key seeds drawn from a seeded
//! run's stream (see `ids`), the certificates are byte-for-byte the same in every such run.

use super::clock::CivilTime;
use super::crypto::{NOT_PEM, decode_strict};
use super::ids::IdGenerator;
use crate::error::{Error, Result};
use aws_lc_rs::signature::Ed25519KeyPair;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DistinguishedName,
    DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, date_time_ymd,
};
use std::time::Duration;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::{FromDer, X509Certificate, parse_x509_certificate};

/// The common name real set-up guides give the customer's self-signed root.
pub const CUSTOMER_CA_COMMON_NAME: &str = "customerCA";

/// How long both certificates are valid from the moment they are issued.
const VALIDITY_YEARS: i32 = 10;

/// An Ed25519 private key is a 32-byte seed.
const ED25519_SEED_LEN: usize = 32;

/// The PEM certificates that initialise one cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterCertificates {
    /// The customer's self-signed root: the trust anchor, written to `customerCA.crt`.
    pub customer_ca_pem: String,
    /// The cluster's certificate (subject CN = cluster id), issued by the customer CA.
    pub cluster_certificate_pem: String,
}

/// Creates a fresh customer CA and signs a certificate for `cluster_id` with it.
pub fn issue_cluster_certificates(
    cluster_id: &str,
    now_unix: i64,
    ids: &mut IdGenerator,
) -> Result<ClusterCertificates> {
    let (customer_ca_pem, issuer) = new_customer_ca(now_unix, ids)?;
    let cluster_key = new_key(ids)?;
    let mut cluster_params = cluster_certificate_params(CertificateParams::default(), now_unix)?;
    cluster_params.distinguished_name = common_name(cluster_id);
    let cluster_certificate = cluster_params
        .signed_by(&cluster_key, &issuer)
        .map_err(certificate_error)?;
    Ok(ClusterCertificates {
        customer_ca_pem,
        cluster_certificate_pem: cluster_certificate.pem(),
    })
}

/// A self-signed customer CA, as PEM and as the issuer that signs with it.
fn new_customer_ca(
    now_unix: i64,
    ids: &mut IdGenerator,
) -> Result<(String, Issuer<'static, KeyPair>)> {
    let ca_key = new_key(ids)?;
    let mut ca_params = CertificateParams::default();
    ca_params.distinguished_name = common_name(CUSTOMER_CA_COMMON_NAME);
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    set_validity(&mut ca_params, now_unix)?;
    let customer_ca = ca_params.self_signed(&ca_key).map_err(certificate_error)?;
    Ok((customer_ca.pem(), Issuer::new(ca_params, ca_key)))
}

/// The extensions and validity of a cluster certificate, on top of `params`.
fn cluster_certificate_params(
    mut params: CertificateParams,
    now_unix: i64,
) -> Result<CertificateParams> {
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.use_authority_key_identifier_extension = true;
    set_validity(&mut params, now_unix)?;
    Ok(params)
}

/// The PEM certificate signing request of a new cluster (subject CN = cluster id). The cluster
/// key is dropped here: the simulated HSM "keeps" it, and nothing needs it again, since a
/// certificate only has to carry its public half.
pub fn cluster_csr(cluster_id: &str, ids: &mut IdGenerator) -> Result<String> {
    let cluster_key = new_key(ids)?;
    let mut params = CertificateParams::default();
    params.distinguished_name = common_name(cluster_id);
    params
        .serialize_request(&cluster_key)
        .and_then(|request| request.pem())
        .map_err(certificate_error)
}

/// `--generate-customer-ca`: a fresh customer CA and the CSR signed by it.
pub fn sign_csr_with_new_customer_ca(
    csr_pem: &str,
    now_unix: i64,
    ids: &mut IdGenerator,
) -> Result<ClusterCertificates> {
    let (customer_ca_pem, issuer) = new_customer_ca(now_unix, ids)?;
    let mut request =
        CertificateSigningRequestParams::from_pem(csr_pem).map_err(certificate_error)?;
    request.params = cluster_certificate_params(request.params, now_unix)?;
    let cluster_certificate = request.signed_by(&issuer).map_err(certificate_error)?;
    Ok(ClusterCertificates {
        customer_ca_pem,
        cluster_certificate_pem: cluster_certificate.pem(),
    })
}

/// Checks what `InitializeCluster` checks: the signed certificate carries the CSR's public key
/// and its signature verifies with the trust anchor's key (issuer named as the anchor's
/// subject). The reason is returned for the caller's exception.
pub fn verify_signed_certificate(
    csr_pem: &str,
    signed_cert_pem: &str,
    trust_anchor_pem: &str,
) -> std::result::Result<(), String> {
    let (_, csr_der) =
        decode_strict(csr_pem).map_err(|reason| format!("the cluster CSR is not PEM: {reason}"))?;
    let cert_der = certificate_der(signed_cert_pem)
        .map_err(|reason| format!("the signed certificate is not accepted: {reason}"))?;
    let anchor_der = certificate_der(trust_anchor_pem)
        .map_err(|reason| format!("the trust anchor is not accepted: {reason}"))?;
    let (_, csr) = X509CertificationRequest::from_der(&csr_der)
        .map_err(|error| format!("the cluster CSR cannot be parsed: {error}"))?;
    let (_, cert) = parse_x509_certificate(&cert_der)
        .map_err(|error| format!("the signed certificate cannot be parsed: {error}"))?;
    let (_, anchor) = parse_x509_certificate(&anchor_der)
        .map_err(|error| format!("the trust anchor cannot be parsed: {error}"))?;
    if cert.public_key().raw != csr.certification_request_info.subject_pki.raw {
        return Err(
            "the signed certificate does not carry the public key of the cluster CSR".into(),
        );
    }
    issued_by(&cert, &anchor, "the signed certificate")
}

/// Checks that the PEM certificate `certificate_pem` (a cluster certificate, named `what` in
/// the reason) was issued by `trust_anchor_pem`: issuer named as the anchor's subject, signature
/// verifying with the anchor's key.
pub fn verify_issued_by(
    certificate_pem: &str,
    trust_anchor_pem: &str,
    what: &str,
) -> std::result::Result<(), String> {
    let cert_der = certificate_der(certificate_pem)
        .map_err(|reason| format!("{what} is not accepted: {reason}"))?;
    let anchor_der = certificate_der(trust_anchor_pem)
        .map_err(|reason| format!("the trust anchor is not accepted: {reason}"))?;
    let (_, cert) = parse_x509_certificate(&cert_der)
        .map_err(|error| format!("{what} cannot be parsed: {error}"))?;
    let (_, anchor) = parse_x509_certificate(&anchor_der)
        .map_err(|error| format!("the trust anchor cannot be parsed: {error}"))?;
    issued_by(&cert, &anchor, what)
}

fn issued_by(
    cert: &X509Certificate<'_>,
    anchor: &X509Certificate<'_>,
    what: &str,
) -> std::result::Result<(), String> {
    if cert.issuer() != anchor.subject() {
        return Err(format!(
            "{what} is issued by '{}', not by the trust anchor '{}'",
            cert.issuer(),
            anchor.subject()
        ));
    }
    cert.verify_signature(Some(anchor.public_key()))
        .map_err(|_| format!("{what}'s signature does not verify with the trust anchor's key"))
}

/// The DER of the one PEM certificate that is all of `text`, read strictly: see
/// [`decode_strict`]; the DER must be one whole X.509 certificate with nothing after it. The
/// reason otherwise, worded to follow "it" (the certificate).
pub fn certificate_der(text: &str) -> std::result::Result<Vec<u8>, String> {
    let (label, der) = decode_strict(text).map_err(|reason| {
        if reason == NOT_PEM {
            "it is not a PEM certificate".to_owned()
        } else {
            reason.to_owned()
        }
    })?;
    if label != "CERTIFICATE" {
        return Err(format!("its PEM label is {label}, not CERTIFICATE"));
    }
    let (rest, _) =
        X509Certificate::from_der(&der).map_err(|_| "its DER is not an X.509 certificate")?;
    if !rest.is_empty() {
        return Err(format!(
            "{} bytes follow the DER of its certificate",
            rest.len()
        ));
    }
    Ok(der)
}

/// A new Ed25519 key from a seed `ids` draws.
fn new_key(ids: &mut IdGenerator) -> Result<KeyPair> {
    let failed = || Error::State {
        message: "cannot create an Ed25519 key for the customer CA or the cluster".to_owned(),
    };
    let pair = Ed25519KeyPair::from_seed_unchecked(&ids.secret_bytes(ED25519_SEED_LEN))
        .map_err(|_| failed())?;
    let pkcs8 = pair.to_pkcs8v1().map_err(|_| failed())?;
    KeyPair::try_from(pkcs8.as_ref()).map_err(certificate_error)
}

fn common_name(name: &str) -> DistinguishedName {
    let mut distinguished_name = DistinguishedName::new();
    distinguished_name.push(DnType::CommonName, name);
    distinguished_name
}

/// Valid from `now_unix` to the same instant ten calendar years later.
///
/// rcgen's date type can be built only from a calendar date, so the time of day is added as a
/// duration: `not_before` is the clock's exact second.
fn set_validity(params: &mut CertificateParams, now_unix: i64) -> Result<()> {
    let now = CivilTime::from_unix(now_unix);
    // rcgen panics on dates outside the years 1-9999; a fixed clock could ask for one.
    if !(1..=9999 - VALIDITY_YEARS).contains(&now.year) {
        return Err(Error::State {
            message: format!(
                "the clock ({now_unix} s since 1970) is outside the years certificates can carry"
            ),
        });
    }
    let at = |instant: CivilTime| {
        date_time_ymd(instant.year, instant.month, instant.day)
            + Duration::from_secs(u64::from(instant.seconds_of_day))
    };
    params.not_before = at(now);
    params.not_after = at(now.plus_years(VALIDITY_YEARS));
    Ok(())
}

fn certificate_error(error: rcgen::Error) -> Error {
    Error::State {
        message: format!("cannot create the customer CA and cluster certificate: {error}"),
    }
}

#[cfg(test)]
mod strict_pem_tests {
    use super::certificate_der;
    use base64::Engine;

    const CERTIFICATE: &str = include_str!("../../tests/golden/pem/other-ca.crt");

    fn with_der(der: &[u8]) -> String {
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|chunk| std::str::from_utf8(chunk).unwrap())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    }

    #[test]
    fn a_whole_certificate_is_read() {
        let der = certificate_der(CERTIFICATE).expect("the fixture is a certificate");
        assert_eq!(certificate_der(&with_der(&der)), Ok(der));
    }

    #[test]
    fn labels_that_differ_are_refused() {
        let mismatched =
            CERTIFICATE.replace("-----END CERTIFICATE-----", "-----END CERTIFICATe-----");
        assert_eq!(
            certificate_der(&mismatched),
            Err("its -----END line does not match its -----BEGIN line".to_owned())
        );
    }

    #[test]
    fn bytes_after_the_der_are_refused() {
        let mut der = certificate_der(CERTIFICATE).unwrap();
        der.extend_from_slice(&[0, 0]);
        assert_eq!(
            certificate_der(&with_der(&der)),
            Err("2 bytes follow the DER of its certificate".to_owned())
        );
    }

    #[test]
    fn text_after_the_block_and_a_second_block_are_refused() {
        assert_eq!(
            certificate_der(&format!("{CERTIFICATE}trailing words\n")),
            Err("text follows its -----END line".to_owned())
        );
        assert_eq!(
            certificate_der(&format!("{CERTIFICATE}{CERTIFICATE}")),
            Err("it holds more than one PEM block".to_owned())
        );
    }
}
