//! Mutual TLS between the shell and an hsm2m.medium cluster: the trust anchors a cluster
//! registers, its enforcement level, and the client certificate a shell presents (the CloudHSM
//! configure tool's `--client-cert-hsm-tls-file` and `--client-key-hsm-tls-file`).

use crate::error::{Error, Result};
use crate::secret::Secret;
use serde::Serialize;
use x509_parser::prelude::{FromDer, X509Certificate};

/// The largest trust anchor file a cluster takes, chain included.
pub const MAX_ANCHOR_FILE_BYTES: usize = 6980;
/// How many trust anchors a cluster holds at most.
pub const MAX_TRUST_ANCHORS: usize = 2;

/// One registered trust anchor, as `list-trust-anchors` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrustAnchor {
    #[serde(rename = "certificate-reference")]
    pub certificate_reference: String,
    pub certificate: String,
    #[serde(rename = "cluster-coverage")]
    pub cluster_coverage: &'static str,
}

impl TrustAnchor {
    pub fn new(reference: u64, certificate: String) -> TrustAnchor {
        TrustAnchor {
            certificate_reference: reference_text(reference),
            certificate,
            cluster_coverage: "full",
        }
    }
}

/// A trust anchor's reference as the CLI prints it: `0x01`.
pub fn reference_text(reference: u64) -> String {
    format!("0x{reference:02x}")
}

/// Whether a cluster refuses clients without a certificate that chains to its anchors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enforcement {
    None,
    Cluster,
}

impl Enforcement {
    pub fn as_str(self) -> &'static str {
        match self {
            Enforcement::None => "none",
            Enforcement::Cluster => "cluster",
        }
    }

    pub fn parse(text: &str) -> Option<Enforcement> {
        match text {
            "none" => Some(Enforcement::None),
            "cluster" => Some(Enforcement::Cluster),
            _ => None,
        }
    }

    /// How the set-enforcement message names it: `None`, `Cluster`.
    pub fn title(self) -> &'static str {
        match self {
            Enforcement::None => "None",
            Enforcement::Cluster => "Cluster",
        }
    }
}

/// The DER certificates of a PEM file, in file order; refused when the file holds none, or
/// anything but certificates.
pub fn pem_certificates(pem: &str, what: &'static str) -> Result<Vec<Vec<u8>>> {
    let invalid = |reason: String| Error::InvalidInput { what, reason };
    let mut certificates = Vec::new();
    for block in x509_parser::pem::Pem::iter_from_buffer(pem.as_bytes()) {
        let block = block.map_err(|error| invalid(format!("it is not PEM: {error}")))?;
        if block.label != "CERTIFICATE" {
            return Err(invalid(format!(
                "it holds a {} block; only CERTIFICATE blocks are taken",
                block.label
            )));
        }
        X509Certificate::from_der(&block.contents)
            .map_err(|error| invalid(format!("a certificate does not parse: {error}")))?;
        certificates.push(block.contents);
    }
    if certificates.is_empty() {
        return Err(invalid("it holds no certificate".to_owned()));
    }
    Ok(certificates)
}

/// Checks a trust anchor file: its size, each certificate's key (EC P-256/P-384/P-521 or RSA
/// 2048/3072/4096), and that each certificate is signed by the next (intermediates in order).
pub fn check_anchor_file(pem: &str) -> Result<Vec<Vec<u8>>> {
    let invalid = |reason: String| Error::InvalidInput {
        what: "trust anchor",
        reason,
    };
    if pem.len() > MAX_ANCHOR_FILE_BYTES {
        return Err(invalid(format!(
            "the file has {} bytes, more than the {MAX_ANCHOR_FILE_BYTES} a cluster takes",
            pem.len()
        )));
    }
    let chain = pem_certificates(pem, "trust anchor")?;
    let parsed: Vec<X509Certificate<'_>> = chain
        .iter()
        .map(|der| X509Certificate::from_der(der).map(|(_, certificate)| certificate))
        .collect::<std::result::Result<_, _>>()
        .map_err(|error| invalid(format!("a certificate does not parse: {error}")))?;
    for certificate in &parsed {
        check_anchor_key(certificate).map_err(invalid)?;
    }
    for pair in parsed.windows(2) {
        if pair[0]
            .verify_signature(Some(pair[1].public_key()))
            .is_err()
        {
            return Err(invalid(
                "a certificate is not signed by the one after it: give the chain in order, the \
                 issuing certificate after each one"
                    .to_owned(),
            ));
        }
    }
    Ok(chain)
}

fn check_anchor_key(certificate: &X509Certificate<'_>) -> std::result::Result<(), String> {
    use x509_parser::public_key::PublicKey;
    let accepted = match certificate.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => [2048, 3072, 4096].contains(&rsa.key_size()),
        Ok(PublicKey::EC(point)) => {
            // P-256, P-384 and P-521 uncompressed points; the curve is in the parameters.
            let curve = certificate
                .public_key()
                .algorithm
                .parameters
                .as_ref()
                .and_then(|parameters| parameters.as_oid().ok())
                .map(|oid| oid.to_id_string());
            matches!(
                curve.as_deref(),
                Some("1.2.840.10045.3.1.7" | "1.3.132.0.34" | "1.3.132.0.35")
            ) && point.key_size() > 0
        }
        _ => false,
    };
    if accepted {
        Ok(())
    } else {
        Err(format!(
            "the key of {} is not EC P-256, P-384 or P-521, nor RSA 2048, 3072 or 4096",
            certificate.subject()
        ))
    }
}

/// The client certificate a shell presents, with the proof that it holds the private key.
#[derive(Clone)]
pub struct ClientIdentity {
    /// The leaf first, then any intermediates, as DER.
    pub chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientIdentity({} certificates)", self.chain.len())
    }
}

impl ClientIdentity {
    /// Reads `--client-cert` (PEM, leaf first) and checks that `--client-key` (PEM, PKCS #8)
    /// is the leaf's private key, as a TLS handshake would prove it. The key is not kept.
    pub fn from_pem(certificate_pem: &str, key_pem: &Secret) -> Result<ClientIdentity> {
        let chain = pem_certificates(certificate_pem, "client certificate")?;
        let (_, leaf) =
            X509Certificate::from_der(&chain[0]).map_err(|error| Error::InvalidInput {
                what: "client certificate",
                reason: format!("it does not parse: {error}"),
            })?;
        let key_public = crate::sim::crypto::public_key_of_private_pem(key_pem)?;
        if key_public != leaf.public_key().raw {
            return Err(Error::InvalidInput {
                what: "client key",
                reason: "it is not the private key of the client certificate".to_owned(),
            });
        }
        Ok(ClientIdentity { chain })
    }

    /// Whether the chain leads to one of `anchors` (each a DER certificate): some certificate
    /// of it is signed by an anchor, and every one before it by the next.
    pub fn chains_to(&self, anchors: &[Vec<u8>]) -> bool {
        let anchors: Vec<X509Certificate<'_>> =
            anchors.iter().filter_map(|der| parse(der)).collect();
        let chain: Vec<X509Certificate<'_>> =
            self.chain.iter().filter_map(|der| parse(der)).collect();
        for (index, certificate) in chain.iter().enumerate() {
            let by_anchor = anchors.iter().any(|anchor| {
                anchor.subject() == certificate.issuer()
                    && certificate
                        .verify_signature(Some(anchor.public_key()))
                        .is_ok()
            });
            if by_anchor {
                return true;
            }
            let by_next = chain.get(index + 1).is_some_and(|next| {
                certificate
                    .verify_signature(Some(next.public_key()))
                    .is_ok()
            });
            if !by_next {
                return false;
            }
        }
        false
    }
}

fn parse(der: &[u8]) -> Option<X509Certificate<'_>> {
    X509Certificate::from_der(der)
        .ok()
        .map(|(_, certificate)| certificate)
}
