//! The customer CA and the cluster certificate it signs, as a customer initialising a real
//! cluster would make them (`openssl req -x509` for `customerCA.crt`, then signing the cluster CSR).
//!
//! Only the two certificates leave this module: the private keys are dropped as soon as the
//! cluster certificate is signed, so no key of the simulated customer CA is ever stored.

use super::clock::CivilTime;
use crate::error::{Error, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, date_time_ymd,
};
use std::time::Duration;

/// The common name real set-up guides give the customer's self-signed root.
pub const CUSTOMER_CA_COMMON_NAME: &str = "customerCA";

/// How long both certificates are valid from the moment they are issued.
const VALIDITY_YEARS: i32 = 10;

/// The PEM certificates that initialise one cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterCertificates {
    /// The customer's self-signed root: the trust anchor, written to `customerCA.crt`.
    pub customer_ca_pem: String,
    /// The cluster's certificate (subject CN = cluster id), issued by the customer CA.
    pub cluster_certificate_pem: String,
}

/// Creates a fresh ECDSA P-256 customer CA and signs a certificate for `cluster_id` with it.
pub fn issue_cluster_certificates(cluster_id: &str, now_unix: i64) -> Result<ClusterCertificates> {
    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(certificate_error)?;
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
    let issuer = Issuer::new(ca_params, ca_key);

    let cluster_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(certificate_error)?;
    let mut cluster_params = CertificateParams::default();
    cluster_params.distinguished_name = common_name(cluster_id);
    cluster_params.is_ca = IsCa::ExplicitNoCa;
    cluster_params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    cluster_params.use_authority_key_identifier_extension = true;
    set_validity(&mut cluster_params, now_unix)?;
    let cluster_certificate = cluster_params
        .signed_by(&cluster_key, &issuer)
        .map_err(certificate_error)?;

    Ok(ClusterCertificates {
        customer_ca_pem: customer_ca.pem(),
        cluster_certificate_pem: cluster_certificate.pem(),
    })
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
