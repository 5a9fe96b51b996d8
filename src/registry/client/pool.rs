//! Clients shared by everything one command run sends to a registry: one HTTP connection pool (`reqwest::Client`:
//! connections and TLS sessions) per host, and one [`RegistryClient`] — its ping, credentials chain and bearer-token
//! cache — per host and repository.
//!
//! Without it every [`crate::registry::store::Store::open`] built a client of its own: `mirror --from-file` paid a
//! ping, a credentials lookup (possibly a credential helper process) and a token request for every version of every
//! provider, and a new TLS handshake for each. The client is keyed by repository as well as host because the
//! credentials chain may pick repository-scoped credentials (containers `auth.json` keys with a path); bearer tokens
//! are scoped to a repository anyway, so nothing that could be shared is lost.
//!
//! A pool belongs to one set of [`ClientOptions`] (one command run): the clients it hands out were built with the
//! options of their first request, which is why [`ClientOptions::pool`] lives inside those options.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::{ClientOptions, RegistryClient, build_http_client};
use crate::registry::Result;

/// See the module docs. Cheap to create; share it through [`ClientOptions::pool`].
#[derive(Default)]
pub struct ClientPool {
    http: Mutex<HashMap<String, reqwest::Client>>,
    registries: Mutex<HashMap<(String, String), Arc<RegistryClient>>>,
}

impl std::fmt::Debug for ClientPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hosts = self.lock_http().len();
        let clients = self.lock_registries().len();
        f.debug_struct("ClientPool")
            .field("hosts", &hosts)
            .field("clients", &clients)
            .finish()
    }
}

impl ClientPool {
    fn lock_http(&self) -> std::sync::MutexGuard<'_, HashMap<String, reqwest::Client>> {
        self.http.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_registries(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(String, String), Arc<RegistryClient>>> {
        self.registries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The HTTP client for `host` (`HOST[:PORT]`), built with `opts` on first use. A `reqwest::Client` is a handle
    /// to a shared connection pool, so clones share connections.
    pub fn http_for(&self, host: &str, opts: &ClientOptions) -> Result<reqwest::Client> {
        let mut map = self.lock_http();
        if let Some(c) = map.get(host) {
            return Ok(c.clone());
        }
        let c = build_http_client(opts)?;
        map.insert(host.to_owned(), c.clone());
        Ok(c)
    }

    /// The registry client for `repository` on `registry`, built with `opts` on first use.
    pub fn registry_client(
        &self,
        registry: &str,
        repository: &str,
        opts: &ClientOptions,
    ) -> Result<Arc<RegistryClient>> {
        let key = (registry.to_owned(), repository.to_owned());
        if let Some(c) = self.lock_registries().get(&key) {
            return Ok(Arc::clone(c));
        }
        let http = self.http_for(registry, opts)?;
        // The client keeps its options without the pool: a pool holding clients that hold the pool would never be
        // freed.
        let own = ClientOptions {
            pool: None,
            ..opts.clone()
        };
        let client = Arc::new(RegistryClient::with_http(http, registry, repository, own));
        // Two callers may have built one each meanwhile: the first one stored wins, so all share it.
        Ok(Arc::clone(
            self.lock_registries().entry(key).or_insert(client),
        ))
    }

    /// How many registry clients (host and repository pairs) were built.
    pub fn registry_clients(&self) -> usize {
        self.lock_registries().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One client per host and repository, shared; and no reference cycle: dropping the options frees the pool.
    #[test]
    fn clients_are_shared_per_repository_and_the_pool_is_freed() {
        let pool = Arc::new(ClientPool::default());
        let weak = Arc::downgrade(&pool);
        let opts = ClientOptions {
            pool: Some(pool),
            ..ClientOptions::default()
        };
        let p = opts.pool.as_ref().unwrap();
        let a = p.registry_client("r.example", "ns/a", &opts).unwrap();
        let again = p.registry_client("r.example", "ns/a", &opts).unwrap();
        let b = p.registry_client("r.example", "ns/b", &opts).unwrap();
        assert!(Arc::ptr_eq(&a, &again));
        assert!(!Arc::ptr_eq(&a, &b));
        assert_eq!(p.registry_clients(), 2);
        drop((a, again, b, opts));
        assert!(weak.upgrade().is_none(), "the pool outlived its options");
    }
}
