//! Assembling an [`Inventory`] from a validated [`ReleaseInput`]: the root, one binary per platform, the main module
//! and its dependencies, merged by purl release-wide, with the dependency and `contains` edges, and the properties
//! describing each platform. Uses the Go rules (`go.rs`) and the property names (`props.rs`); knows no SBOM format.

use std::collections::{BTreeMap, BTreeSet};

use time::OffsetDateTime;

use super::go::{
    creator_url_from_module_path, module_component, split_go_version, stdlib_component,
    supplier_from_module_path,
};
use super::input::validate;
use super::props::{
    PROP_ARCH, PROP_GO_BUILD_PREFIX, PROP_GO_BUILDINFO_VERSION, PROP_GO_EXPERIMENTS,
    PROP_GO_MAIN_PACKAGE, PROP_GO_MODULE_H1, PROP_GO_VERSION, PROP_LOCK_H1, PROP_LOCK_ZH, PROP_OS,
    PROP_PLATFORMS, PROP_PROVIDER_ADDRESS, PROP_SIGNATURE_FILE, PROP_TRIVY_CLASS, PROP_TRIVY_TYPE,
    PROP_VERSION_SOURCE, PROP_ZIP_NAME, PROP_ZIP_SIZE, prop,
};
use super::{
    Author, AuthorKind, Component, ComponentKind, Dependency, Distribution, Hash, HashAlgorithm,
    Inventory, InventoryError, PlatformInput, Property, ReleaseInput, Scope, Subject,
    empty_component, purl,
};
use crate::archive::names;

fn sha256_512(sha256: &str, sha512: &str) -> Vec<Hash> {
    vec![
        Hash {
            algorithm: HashAlgorithm::Sha256,
            hex: sha256.to_owned(),
        },
        Hash {
            algorithm: HashAlgorithm::Sha512,
            hex: sha512.to_owned(),
        },
    ]
}

/// The OmniBOR Artifact ID of a file from its git blob SHA-256 (validated hex).
fn gitoid(hex: &str) -> String {
    format!("{}{hex}", crate::archive::GITOID_BLOB_SHA256)
}

/// The components one platform contributes below the root.
struct PlatformParts {
    binary: Component,
    main: Option<Component>,
    /// Modules and stdlib.
    deps: Vec<Component>,
}

/// Release-wide facts shared by every document.
struct ReleaseFacts {
    root_name: String,
    root_ref: String,
    supplier: Option<String>,
    /// The provider's creator URL (from the main module path).
    creator_url: Option<String>,
    authors: Vec<Author>,
}

fn release_facts(input: &ReleaseInput) -> ReleaseFacts {
    let root_name = names::provider_name(&input.provider_type);
    let root_ref = match &input.address {
        Some(address) => format!("tofu-sbom:provider:{address}@{}", input.version),
        None => format!("tofu-sbom:provider:{root_name}@{}", input.version),
    };
    let supplier = input
        .supplier
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| input.address.as_ref().map(|a| a.namespace.clone()))
        .or_else(|| {
            input
                .platforms
                .iter()
                .find_map(|p| p.buildinfo.main.as_ref())
                .and_then(|m| supplier_from_module_path(&m.path))
        });
    let mut authors = input.authors.clone();
    if authors.is_empty()
        && let Some(s) = &supplier
    {
        authors.push(Author {
            kind: AuthorKind::Organization,
            name: s.clone(),
            email: None,
        });
    }
    let creator_url = input
        .platforms
        .iter()
        .find_map(|p| p.buildinfo.main.as_ref())
        .and_then(|m| creator_url_from_module_path(&m.path));
    ReleaseFacts {
        root_name,
        root_ref,
        supplier,
        creator_url,
        authors,
    }
}

/// The properties describing one platform: os/arch, Go version, experiments, build settings, version source,
/// lock hashes, ZIP name/size, signature file.
fn platform_properties(p: &PlatformInput) -> Vec<Property> {
    let go = split_go_version(&p.buildinfo.go_version);
    let mut props = vec![
        prop(PROP_OS, &p.os),
        prop(PROP_ARCH, &p.arch),
        prop(PROP_GO_VERSION, &p.buildinfo.go_version),
        prop(PROP_VERSION_SOURCE, &p.version_source),
        prop(PROP_LOCK_ZH, &p.zh),
        prop(PROP_LOCK_H1, &p.h1),
        prop(PROP_ZIP_NAME, &p.zip_name),
        prop(PROP_ZIP_SIZE, p.zip_size.to_string()),
    ];
    if !go.experiments.is_empty() {
        props.push(prop(PROP_GO_EXPERIMENTS, go.experiments.join(",")));
    }
    for setting in &p.buildinfo.settings {
        props.push(prop(
            format!("{PROP_GO_BUILD_PREFIX}{}", setting.key),
            &setting.value,
        ));
    }
    if let Some(sig) = &p.signature_file {
        props.push(prop(PROP_SIGNATURE_FILE, sig));
    }
    props
}

fn platform_parts(input: &ReleaseInput, facts: &ReleaseFacts, p: &PlatformInput) -> PlatformParts {
    let bi = &p.buildinfo;
    let mut binary = empty_component(
        format!("tofu-sbom:binary:{}:{}", p.platform(), p.binary_name),
        ComponentKind::Binary,
        p.binary_name.clone(),
    );
    binary.version = Some(input.version.clone());
    binary.supplier = facts.supplier.clone();
    binary.creator_url = facts.creator_url.clone();
    binary.file_name = Some(p.binary_name.clone());
    binary.hashes = sha256_512(&p.binary_sha256, &p.binary_sha512);
    binary.omnibor_ids = vec![gitoid(&p.binary_gitoid)];
    binary.properties = vec![
        prop(PROP_TRIVY_CLASS, "lang-pkgs"),
        prop(PROP_TRIVY_TYPE, "gobinary"),
    ];

    let main_path = bi
        .main
        .as_ref()
        .map(|m| m.path.as_str())
        .filter(|p| !p.is_empty());
    let main = main_path.map(|path| {
        let version = format!("v{}", input.version);
        let purl = purl::golang(path, Some(&version));
        let mut c = empty_component(purl.clone(), ComponentKind::MainModule, path.to_owned());
        c.download_location = Some(purl::go_proxy_zip_url(path, &version));
        c.version = Some(version);
        c.purl = Some(purl);
        c.supplier = facts.supplier.clone();
        c.creator_url = facts.creator_url.clone();
        c.properties.push(prop(PROP_GO_MAIN_PACKAGE, &bi.path));
        if let Some(m) = &bi.main {
            c.properties
                .push(prop(PROP_GO_BUILDINFO_VERSION, &m.version));
            if !m.sum.is_empty() {
                c.properties.push(prop(PROP_GO_MODULE_H1, &m.sum));
            }
        }
        c
    });

    // Dependencies keyed by purl; a second module landing on the same purl (two modules replaced by the same one)
    // merges into the first (ancestors and properties united).
    let mut deps: BTreeMap<String, Component> = BTreeMap::new();
    for dep in &bi.deps {
        if dep.path.is_empty() || Some(dep.path.as_str()) == main_path {
            continue; // Trivy and Syft skip these too (old Go lists an empty `(devel)` dep; the main module itself).
        }
        merge_into(&mut deps, module_component(dep));
    }
    merge_into(&mut deps, stdlib_component(&bi.go_version));
    PlatformParts {
        binary,
        main,
        deps: deps.into_values().collect(),
    }
}

/// Adds `c` to `map` keyed by purl (falling back to bom-ref) and returns its final bom-ref: a component with the
/// same purl and name is merged (ancestors and properties united); one with the same purl but a different name (purls
/// are lowercased, module paths are not) is kept with the distinct bom-ref `<purl>|<name>`.
fn merge_into(map: &mut BTreeMap<String, Component>, mut c: Component) -> String {
    let key = c.purl.clone().unwrap_or_else(|| c.bom_ref.clone());
    let key = match map.get(&key) {
        Some(existing) if existing.name != c.name => {
            let key = format!("{key}|{}", c.name);
            c.bom_ref = key.clone();
            key
        }
        _ => key,
    };
    match map.get_mut(&key) {
        Some(existing) => {
            union_sorted(&mut existing.ancestors, c.ancestors);
            union_sorted(&mut existing.properties, c.properties);
            existing.bom_ref.clone()
        }
        None => {
            let r = c.bom_ref.clone();
            map.insert(key, c);
            r
        }
    }
}

fn union_sorted<T: Ord>(into: &mut Vec<T>, more: Vec<T>) {
    let set: BTreeSet<T> = into.drain(..).chain(more).collect();
    into.extend(set);
}

fn finish(mut c: Component) -> Component {
    c.properties.sort();
    c.properties.dedup();
    c.ancestors.sort();
    c.ancestors.dedup();
    c
}

fn root_component(input: &ReleaseInput, facts: &ReleaseFacts) -> Component {
    let mut root = empty_component(
        facts.root_ref.clone(),
        ComponentKind::Provider,
        facts.root_name.clone(),
    );
    root.version = Some(input.version.clone());
    root.supplier = facts.supplier.clone();
    root.creator_url = facts.creator_url.clone();
    if let Some(address) = &input.address {
        root.properties
            .push(prop(PROP_PROVIDER_ADDRESS, address.to_string()));
    }
    // Sorted and deduplicated with the rest of the root's properties in `finish`.
    if let Some(s) = &input.release_signature {
        root.properties.extend(s.properties());
    }
    root
}

/// Everything [`assemble`] needs to build an [`Inventory`].
struct Assembly {
    name: String,
    scope: Scope,
    facts: ReleaseFacts,
    root: Component,
    components: Vec<Component>,
    edges: BTreeMap<String, BTreeSet<String>>,
    contains: BTreeMap<String, BTreeSet<String>>,
    subjects: Vec<Subject>,
}

fn assemble(input: &ReleaseInput, a: Assembly) -> Inventory {
    let Assembly {
        name,
        scope,
        facts,
        root,
        components,
        edges,
        contains,
        subjects,
    } = a;
    let mut components: Vec<Component> = components.into_iter().map(finish).collect();
    components.sort_by(|a, b| a.bom_ref.cmp(&b.bom_ref));
    let mut root = root;
    if let Some(l) = &input.licenses {
        super::licenses::apply(l, &mut root, &mut components);
        // The provider's executables are distributed under the provider's own licence (`--license`, which `apply`
        // gives the root and the main module): BSI's distribution licence of the deployable executable.
        if let Some(own) = &l.main_module {
            for c in components
                .iter_mut()
                .filter(|c| c.kind == ComponentKind::Binary)
            {
                c.licensing = Some(super::Licensing::identified(Some(own.clone())));
            }
        }
    }
    // Go code without a file of its own is deployed inside the executables that contain it.
    let binaries: BTreeMap<&str, Distribution> = components
        .iter()
        .filter(|c| c.kind == ComponentKind::Binary)
        .filter_map(|c| {
            Some((
                c.bom_ref.as_str(),
                Distribution {
                    file_name: c.file_name.clone()?,
                    hashes: c.hashes.clone(),
                },
            ))
        })
        .collect();
    let mut linked: BTreeMap<String, Vec<Distribution>> = BTreeMap::new();
    for (binary, parts) in &contains {
        if let Some(d) = binaries.get(binary.as_str()) {
            for part in parts {
                linked.entry(part.clone()).or_default().push(d.clone());
            }
        }
    }
    for c in &mut components {
        if c.distributions.is_empty()
            && matches!(
                c.kind,
                ComponentKind::MainModule | ComponentKind::Module | ComponentKind::Stdlib
            )
            && let Some(mut d) = linked.remove(&c.bom_ref)
        {
            d.sort();
            d.dedup();
            c.linked_into = d;
        }
    }
    let to_list = |edges: BTreeMap<String, BTreeSet<String>>| -> Vec<Dependency> {
        edges
            .into_iter()
            .filter(|(_, to)| !to.is_empty())
            .map(|(from, to)| Dependency {
                from,
                to: to.into_iter().collect(),
            })
            .collect()
    };
    let dependencies = to_list(edges);
    let contains = to_list(contains);
    let mut subjects = subjects;
    subjects.sort();
    Inventory {
        name,
        scope,
        timestamp: normalize_timestamp(input.timestamp),
        tool: input.tool.clone(),
        authors: facts.authors,
        root: finish(root),
        components,
        dependencies,
        contains,
        subjects,
    }
}

/// UTC, whole seconds.
fn normalize_timestamp(t: OffsetDateTime) -> OffsetDateTime {
    let utc = t.to_offset(time::UtcOffset::UTC);
    utc.replace_nanosecond(0).unwrap_or(utc)
}

fn subject(p: &PlatformInput) -> Subject {
    Subject {
        zip_name: p.zip_name.clone(),
        sha256: p.zip_sha256.clone(),
        sha512: p.zip_sha512.clone(),
    }
}

fn distribution(p: &PlatformInput) -> Distribution {
    Distribution {
        file_name: p.zip_name.clone(),
        hashes: sha256_512(&p.zip_sha256, &p.zip_sha512),
    }
}

impl Inventory {
    /// The inventory of one platform ZIP (`input.platforms[index]`): root = the provider with that ZIP's digests and
    /// platform properties.
    pub fn for_platform(input: &ReleaseInput, index: usize) -> Result<Self, InventoryError> {
        validate(input)?;
        let p = input
            .platforms
            .get(index)
            .ok_or(InventoryError::PlatformIndex {
                index,
                count: input.platforms.len(),
            })?;
        let facts = release_facts(input);
        let mut root = root_component(input, &facts);
        root.file_name = Some(p.zip_name.clone());
        root.hashes = sha256_512(&p.zip_sha256, &p.zip_sha512);
        root.omnibor_ids = vec![gitoid(&p.zip_gitoid)];
        root.distributions = vec![distribution(p)];
        root.properties.extend(platform_properties(p));

        let parts = platform_parts(input, &facts, p);
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        edges
            .entry(root.bom_ref.clone())
            .or_default()
            .insert(parts.binary.bom_ref.clone());
        let dep_refs: BTreeSet<String> = parts.deps.iter().map(|d| d.bom_ref.clone()).collect();
        let mut contains: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let linked = contains.entry(parts.binary.bom_ref.clone()).or_default();
        linked.extend(dep_refs.iter().cloned());
        linked.extend(parts.main.iter().map(|m| m.bom_ref.clone()));
        let mut components = vec![parts.binary.clone()];
        match parts.main {
            Some(main) => {
                edges
                    .entry(parts.binary.bom_ref.clone())
                    .or_default()
                    .insert(main.bom_ref.clone());
                edges
                    .entry(main.bom_ref.clone())
                    .or_default()
                    .extend(dep_refs);
                components.push(main);
            }
            None => {
                edges
                    .entry(parts.binary.bom_ref.clone())
                    .or_default()
                    .extend(dep_refs);
            }
        }
        components.extend(parts.deps);
        let name = p
            .zip_name
            .strip_suffix(".zip")
            .unwrap_or(&p.zip_name)
            .to_owned();
        let scope = Scope::Platform {
            os: p.os.clone(),
            arch: p.arch.clone(),
        };
        let subjects = vec![subject(p)];
        Ok(assemble(
            input,
            Assembly {
                name,
                scope,
                facts,
                root,
                components,
                edges,
                contains,
                subjects,
            },
        ))
    }

    /// The inventory of the whole release: one binary component per platform (carrying that platform's
    /// properties), modules and stdlib deduplicated by purl (each with a `tofu-sbom:platforms` property), and a
    /// `distribution` reference with digests per ZIP on the root.
    pub fn for_release(input: &ReleaseInput) -> Result<Self, InventoryError> {
        validate(input)?;
        let facts = release_facts(input);
        let mut root = root_component(input, &facts);
        let mut platforms: Vec<&PlatformInput> = input.platforms.iter().collect();
        platforms.sort_by_key(|p| p.platform());

        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut contains: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut binaries = Vec::new();
        let mut shared: BTreeMap<String, Component> = BTreeMap::new();
        let mut found_in: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for p in &platforms {
            root.distributions.push(distribution(p));
            // The release is deployed as these ZIPs: each one's OmniBOR id identifies it (CISA 2025 software
            // identifier of the multi-platform root; sorted like the platforms).
            root.omnibor_ids.push(gitoid(&p.zip_gitoid));
            let parts = platform_parts(input, &facts, p);
            let mut binary = parts.binary;
            // Unique names: Trivy keys applications by name (its file path) and keeps only one of equal ones.
            binary.name = format!("{}/{}", p.platform(), p.binary_name);
            binary.properties.extend(platform_properties(p));
            edges
                .entry(root.bom_ref.clone())
                .or_default()
                .insert(binary.bom_ref.clone());

            let mut dep_refs = BTreeSet::new();
            for dep in parts.deps {
                let r = merge_into(&mut shared, dep);
                found_in.entry(r.clone()).or_default().insert(p.platform());
                dep_refs.insert(r);
            }
            match parts.main {
                Some(main) => {
                    let main_ref = merge_into(&mut shared, main);
                    found_in
                        .entry(main_ref.clone())
                        .or_default()
                        .insert(p.platform());
                    edges
                        .entry(binary.bom_ref.clone())
                        .or_default()
                        .insert(main_ref.clone());
                    let linked = contains.entry(binary.bom_ref.clone()).or_default();
                    linked.insert(main_ref.clone());
                    linked.extend(dep_refs.iter().cloned());
                    edges.entry(main_ref).or_default().extend(dep_refs);
                }
                None => {
                    contains
                        .entry(binary.bom_ref.clone())
                        .or_default()
                        .extend(dep_refs.iter().cloned());
                    edges
                        .entry(binary.bom_ref.clone())
                        .or_default()
                        .extend(dep_refs);
                }
            }
            binaries.push(binary);
        }
        let mut components = binaries;
        for (_, mut c) in shared {
            if let Some(found) = found_in.get(&c.bom_ref) {
                c.properties.push(prop(
                    PROP_PLATFORMS,
                    found.iter().cloned().collect::<Vec<_>>().join(","),
                ));
            }
            components.push(c);
        }
        let name = format!("{}_{}", facts.root_name, input.version);
        let subjects = platforms.iter().map(|p| subject(p)).collect();
        let scope = Scope::Release;
        Ok(assemble(
            input,
            Assembly {
                name,
                scope,
                facts,
                root,
                components,
                edges,
                contains,
                subjects,
            },
        ))
    }
}
