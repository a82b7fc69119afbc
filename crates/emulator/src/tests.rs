//! Unit tests of `emulator` (kept beside it so the module reads as code).

use std::net::{IpAddr, Ipv4Addr};

use russh::keys::{HashAlg, PrivateKey};

use super::keys::host_key;
use super::spec::ephemeral_range;
use super::*;

#[test]
fn host_keys_are_stable_and_distinct() {
    let a = host_key(7, 0).unwrap();
    let b = host_key(7, 0).unwrap();
    let c = host_key(7, 1).unwrap();
    let d = host_key(8, 0).unwrap();
    let fp = |k: &PrivateKey| k.public_key().fingerprint(HashAlg::Sha256).to_string();
    assert_eq!(fp(&a), fp(&b));
    assert_ne!(fp(&a), fp(&c));
    assert_ne!(fp(&a), fp(&d));
}

#[test]
fn spec_validation() {
    assert!(FleetSpec::new(0, Profile::instant()).validate().is_err());
    let mut s = FleetSpec::new(10, Profile::instant());
    s.base_port = 65530;
    assert!(s.validate().is_err());
    s.base_port = 65526;
    assert!(s.validate().is_ok());
    // More devices than ephemeral ports: refused before anything is bound.
    if let Some((low, high)) = ephemeral_range() {
        let mut s = FleetSpec::new(usize::from(high - low) + 2, Profile::instant());
        s.base_port = 0;
        if s.devices <= identity::MAX_DEVICES {
            let e = s.validate().unwrap_err().to_string();
            assert!(e.contains("ephemeral range"), "{e}");
        }
    }
    s.only = Some(vec![2, 9]);
    assert!(s.validate().is_ok());
    assert!(s.serves(9) && !s.serves(3));
    for bad in [vec![], vec![3, 2], vec![10]] {
        s.only = Some(bad);
        assert!(s.validate().is_err());
    }
    assert_eq!(s.bind, IpAddr::V4(Ipv4Addr::LOCALHOST));
}
