//! The budget of one paged listing (a tag list, a referrers answer): the `Link: rel="next"` URLs already read (a
//! repeat is a loop), and the pages, bytes and entries read so far against [`Limits`] (`max_tag_list_pages` or the
//! caller's page limit, `max_listing_bytes`, `max_listing_entries`).
//!
//! Must not know what is listed or how pages are fetched: the client reports each page to it.

use std::collections::BTreeSet;

use crate::http::HttpError;
use crate::limits::Limits;
use crate::registry::{RegistryError, Result};

/// See the module docs.
#[derive(Debug)]
pub(crate) struct Paging {
    what: String,
    max_pages: u64,
    pages_limit: &'static str,
    max_bytes: u64,
    max_entries: u64,
    max_page_bytes: u64,
    seen: BTreeSet<String>,
    pages: u64,
    bytes: u64,
    entries: u64,
}

impl Paging {
    /// A budget with at most `max_pages` pages (`pages_limit` names that limit in errors).
    pub(crate) fn new(
        what: &str,
        limits: &Limits,
        max_pages: u64,
        pages_limit: &'static str,
    ) -> Self {
        Self {
            what: what.to_owned(),
            max_pages,
            pages_limit,
            max_bytes: limits.max_listing_bytes,
            max_entries: limits.max_listing_entries,
            max_page_bytes: limits.max_registry_response,
            seen: BTreeSet::new(),
            pages: 0,
            bytes: 0,
            entries: 0,
        }
    }

    /// Records that `url` is about to be read: a [`RegistryError::PageLoop`] when it was read before, a
    /// [`RegistryError::ListingTooLarge`] when the page limit is reached.
    pub(crate) fn read(&mut self, url: &str) -> Result<()> {
        if !self.seen.insert(url.to_owned()) {
            return Err(RegistryError::PageLoop {
                what: self.what.clone(),
                page: usize::try_from(self.pages).unwrap_or(usize::MAX),
                url: url.to_owned(),
            });
        }
        if self.pages >= self.max_pages {
            return Err(self.exceeded(self.pages_limit, self.max_pages, "pages"));
        }
        self.pages += 1;
        Ok(())
    }

    /// The pages recorded by [`Paging::read`] so far.
    pub(crate) fn pages(&self) -> u64 {
        self.pages
    }

    /// True when `url` was read already.
    pub(crate) fn was_read(&self, url: &str) -> bool {
        self.seen.contains(url)
    }

    /// How many more bytes the listing may have (the bound for reading the next page).
    pub(crate) fn bytes_left(&self) -> u64 {
        self.max_bytes.saturating_sub(self.bytes)
    }

    /// Maps a body read under `min(max_registry_response, bytes_left())` that was too large onto the limit that
    /// applied.
    pub(crate) fn too_large(&self, e: HttpError) -> RegistryError {
        match e {
            HttpError::TooLarge { .. } if self.bytes_left() < self.max_page_bytes => {
                self.exceeded("max_listing_bytes", self.max_bytes, "bytes")
            }
            other => other.into(),
        }
    }

    /// Adds a page's bytes.
    pub(crate) fn add_bytes(&mut self, n: u64) -> Result<()> {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > self.max_bytes {
            return Err(self.exceeded("max_listing_bytes", self.max_bytes, "bytes"));
        }
        Ok(())
    }

    /// Adds a page's entries.
    pub(crate) fn add_entries(&mut self, n: u64) -> Result<()> {
        self.entries = self.entries.saturating_add(n);
        if self.entries > self.max_entries {
            return Err(self.exceeded("max_listing_entries", self.max_entries, "entries"));
        }
        Ok(())
    }

    fn exceeded(&self, limit_name: &'static str, limit: u64, unit: &'static str) -> RegistryError {
        RegistryError::ListingTooLarge {
            what: self.what.clone(),
            limit_name,
            limit,
            unit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_and_totals() {
        let limits = Limits {
            max_listing_entries: 5,
            max_listing_bytes: 100,
            ..Limits::default()
        };
        let mut p = Paging::new("tag list of r/x", &limits, 3, "max_tag_list_pages");
        p.read("http://r/a").unwrap();
        assert!(matches!(
            p.read("http://r/a"),
            Err(RegistryError::PageLoop { page: 1, .. })
        ));
        p.read("http://r/b").unwrap();
        p.read("http://r/c").unwrap();
        assert!(matches!(
            p.read("http://r/d"),
            Err(RegistryError::ListingTooLarge {
                limit_name: "max_tag_list_pages",
                limit: 3,
                ..
            })
        ));
        p.add_entries(5).unwrap();
        assert_eq!(
            p.add_entries(1).unwrap_err().to_string(),
            "tag list of r/x: more than 5 entries across its pages (max_listing_entries); the registry keeps \
             sending more"
        );
        p.add_bytes(100).unwrap();
        assert_eq!(p.bytes_left(), 0);
        assert!(p.add_bytes(1).is_err());
    }
}
