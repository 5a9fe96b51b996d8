//! Provider release archives: ZIPs opened through their central directory, verified against `SHA256SUMS`.
//!
//! (Being written: see issue 2.)
