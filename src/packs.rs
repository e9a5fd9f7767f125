//! Rule packs: roles as data (`rules/*.toml`), embedded in the binary and
//! extendable with `--pack FILE`.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::model::Language;

/// The packs that ship in the binary.
pub const BUILTIN: &[(&str, &str)] = &[
    ("openhands", include_str!("../rules/openhands.toml")),
    (
        "langchain-core",
        include_str!("../rules/langchain-core.toml"),
    ),
    (
        "llama-index-core",
        include_str!("../rules/llama-index-core.toml"),
    ),
    (
        "dispatchlint-runtime",
        include_str!("../rules/dispatchlint-runtime.toml"),
    ),
    (
        "langchain-rust",
        include_str!("../rules/langchain-rust.toml"),
    ),
    ("swiftide", include_str!("../rules/swiftide.toml")),
    ("autoagents", include_str!("../rules/autoagents.toml")),
    ("crewai", include_str!("../rules/crewai.toml")),
];

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Pack {
    pub name: String,
    pub version: String,
    #[serde(default = "default_language")]
    pub language: Language,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub types: Vec<KnownType>,
    #[serde(default)]
    pub factories: Vec<Factory>,
    /// Classes known to define none of the roles' entries (`pydantic.BaseModel`),
    /// so that an unanalyzed base of this kind does not make a verdict unknown.
    #[serde(default)]
    pub opaque: Vec<String>,
}

fn default_language() -> Language {
    Language::Python
}

impl<'de> Deserialize<'de> for Language {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match String::deserialize(d)?.as_str() {
            "python" => Ok(Language::Python),
            "rust" => Ok(Language::Rust),
            other => Err(serde::de::Error::custom(format!(
                "unknown language `{other}` (expected `python` or `rust`)"
            ))),
        }
    }
}

/// A root class or trait with a sync entry and an async entry whose default
/// only delegates to it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Role {
    /// `agent` or `conversation`.
    pub name: String,
    /// Where the root is defined: `openhands.sdk.agent.base.AgentBase`.
    pub root: String,
    /// Every other path that reaches the root (re-exports).
    #[serde(default)]
    pub aliases: Vec<String>,
    pub sync: String,
    #[serde(rename = "async")]
    pub async_: String,
    /// What the root's async entry does for a type that does not override
    /// it; `None` in a pack that does not say (older packs).
    #[serde(default)]
    pub default: Option<DefaultKind>,
    /// The roles this role's native async entry awaits, each on an
    /// attribute of `self` (`self` itself for a role of the same object).
    #[serde(default)]
    pub drives: Vec<Drive>,
    /// The framework's own async path awaits this role's async entry
    /// (`Agent.astep` awaits `condenser.acondense`), so an `inline` default
    /// runs the sync entry on the framework's event loop.
    #[serde(default)]
    pub awaited_by_framework: bool,
    /// The attribute that holds a conversation's agent: shorthand, kept for
    /// the packs written before `drives`, for driving the pack's first role
    /// without `agent-attr` through this attribute.
    #[serde(default)]
    pub agent_attr: Option<String>,
    /// Rust: the trait that declares the async entry when the root does not
    /// (`dispatchlint_runtime::AsyncAgent`), and its other paths.
    #[serde(default)]
    pub async_trait: Option<String>,
    #[serde(default)]
    pub async_trait_aliases: Vec<String>,
    /// Rust: the root's method that hands out the async impl (`as_async`).
    #[serde(default)]
    pub accessor: Option<String>,
    /// Rust: the trait's hand-written `bool` capability method
    /// (`is_streaming`, `has_async_path`), which DL102 checks against the
    /// verdict and DL103 recognizes in a guard.
    #[serde(default)]
    pub capability_method: Option<String>,
    /// Rust: attribute macros that, on the root's impl holding the async
    /// entry, generate the async impl and the accessor (`dispatchlint_runtime::agent`).
    #[serde(default)]
    pub macros: Vec<String>,
}

/// What a root's async default does with the sync entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DefaultKind {
    /// Hands it to a worker thread (`run_in_executor`, `asyncio.to_thread`).
    Executor,
    /// Calls it on the event loop.
    Inline,
    /// Fails (`NotImplementedError`, an `Err`, `unimplemented!()`).
    Raises,
}

impl DefaultKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DefaultKind::Executor => "executor",
            DefaultKind::Inline => "inline",
            DefaultKind::Raises => "raises",
        }
    }
}

/// `drives = [{ role = "agent", attr = "agent" }]`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drive {
    /// A role of the same pack.
    pub role: String,
    /// The attribute of `self` that holds the driven object, or `self`.
    pub attr: String,
}

/// A framework class whose source may be absent, with what it defines.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct KnownType {
    pub qualname: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub bases: Vec<String>,
    /// The role entries its own body defines.
    #[serde(default)]
    pub defines: Vec<String>,
    /// Async entries among `defines` whose body only hands the sync entry to
    /// the executor or calls it (`SimpleChatModel._agenerate`): Python sees an
    /// override, so the verdict stays `native`, marked pseudo-native.
    #[serde(default)]
    pub pseudo_native: Vec<String>,
}

/// A callable that builds a conversation: `Conversation(agent=..., workspace=...)`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Factory {
    pub qualname: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// What it returns by default.
    pub returns: String,
    /// The keyword (or first positional) argument that carries the agent.
    #[serde(default = "default_agent_arg")]
    pub agent_arg: String,
    /// When this keyword argument is given and looks remote (a URL string, or a
    /// call of one of `remote-types`), it returns `remote-returns` instead.
    #[serde(default)]
    pub remote_arg: Option<String>,
    #[serde(default)]
    pub remote_types: Vec<String>,
    #[serde(default)]
    pub remote_returns: Option<String>,
}

fn default_agent_arg() -> String {
    "agent".into()
}

#[derive(Debug)]
pub struct PackError {
    pub origin: String,
    pub message: String,
}

impl std::fmt::Display for PackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid rule pack {}: {}", self.origin, self.message)
    }
}

impl std::error::Error for PackError {}

pub fn parse_pack(origin: &str, text: &str) -> Result<Pack, PackError> {
    let mut pack: Pack = toml::from_str(text).map_err(|e| PackError {
        origin: origin.to_owned(),
        message: e.to_string(),
    })?;
    let error = |message: String| PackError {
        origin: origin.to_owned(),
        message,
    };
    for (i, role) in pack.roles.iter().enumerate() {
        if role.sync == role.async_ {
            return Err(error(format!(
                "role `{}` uses `{}` as both entries",
                role.name, role.sync
            )));
        }
        // Checks and reports name a role by pack and name.
        if pack.roles[..i].iter().any(|r| r.name == role.name) {
            return Err(error(format!("role `{}` is declared twice", role.name)));
        }
        if let Some(drive) = role
            .drives
            .iter()
            .find(|d| !pack.roles.iter().any(|r| r.name == d.role))
        {
            return Err(error(format!(
                "role `{}` drives `{}`, which is not a role of this pack",
                role.name, drive.role
            )));
        }
    }
    for known in &pack.types {
        if let Some(entry) = known
            .pseudo_native
            .iter()
            .find(|e| !known.defines.contains(e))
        {
            return Err(error(format!(
                "type `{}` marks `{entry}` pseudo-native but does not list it in `defines`",
                known.qualname
            )));
        }
    }
    legacy_drives(&mut pack);
    Ok(pack)
}

/// `agent-attr = "agent"` (the format before `drives`) pairs a role with the
/// pack's first role that has no `agent-attr`; written out as a drive, so
/// that readers of `drives` see the old packs' pairs too.
fn legacy_drives(pack: &mut Pack) {
    let Some(driven) = pack
        .roles
        .iter()
        .find(|r| r.agent_attr.is_none())
        .map(|r| r.name.clone())
    else {
        return;
    };
    for role in &mut pack.roles {
        if let Some(attr) = role.agent_attr.clone() {
            if !role.drives.iter().any(|d| d.attr == attr) {
                role.drives.push(Drive {
                    role: driven.clone(),
                    attr,
                });
            }
        }
    }
}

/// Every pack in effect, with lookups by any path that reaches a name.
#[derive(Clone, Debug, Default)]
pub struct Packs {
    pub packs: Vec<Pack>,
    /// alias or canonical path -> canonical path
    canonical: HashMap<String, String>,
}

impl Packs {
    pub fn builtin() -> Self {
        let mut packs = Packs::default();
        for (name, text) in BUILTIN {
            let pack = parse_pack(&format!("<builtin {name}>"), text)
                .expect("built-in packs are validated by tests");
            packs.add(pack);
        }
        packs
    }

    /// A pack file named on the command line or by the user's configuration:
    /// read only if it is a regular file under the size cap.
    pub fn load_file(&mut self, path: &Path) -> Result<(), PackError> {
        self.load_with(path, crate::untrusted::read)
    }

    /// A pack file read by `read` (a tree's configuration reads through the
    /// tree); the error names the file and never quotes one it refused.
    pub fn load_with(
        &mut self,
        path: &Path,
        read: impl FnOnce(&Path, u64) -> Result<Vec<u8>, crate::untrusted::ReadError>,
    ) -> Result<(), PackError> {
        let origin = path.display().to_string();
        let bytes = read(path, crate::untrusted::CONFIG_LIMIT).map_err(|e| PackError {
            origin: origin.clone(),
            message: format!("cannot read it: {e}"),
        })?;
        let text = String::from_utf8(bytes).map_err(|_| PackError {
            origin: origin.clone(),
            message: "not valid UTF-8".into(),
        })?;
        self.add(parse_pack(&origin, &text)?);
        Ok(())
    }

    pub fn add(&mut self, pack: Pack) {
        let mut pairs = Vec::new();
        for role in &pack.roles {
            pairs.push((role.root.clone(), role.root.clone()));
            pairs.extend(role.aliases.iter().map(|a| (a.clone(), role.root.clone())));
            if let Some(async_trait) = &role.async_trait {
                pairs.push((async_trait.clone(), async_trait.clone()));
                pairs.extend(
                    role.async_trait_aliases
                        .iter()
                        .map(|a| (a.clone(), async_trait.clone())),
                );
            }
        }
        for known in &pack.types {
            pairs.push((known.qualname.clone(), known.qualname.clone()));
            pairs.extend(
                known
                    .aliases
                    .iter()
                    .map(|a| (a.clone(), known.qualname.clone())),
            );
        }
        for factory in &pack.factories {
            pairs.push((factory.qualname.clone(), factory.qualname.clone()));
            pairs.extend(
                factory
                    .aliases
                    .iter()
                    .map(|a| (a.clone(), factory.qualname.clone())),
            );
        }
        for opaque in &pack.opaque {
            pairs.push((opaque.clone(), opaque.clone()));
        }
        self.canonical.extend(pairs);
        self.packs.push(pack);
    }

    pub fn roles(&self, language: Language) -> impl Iterator<Item = &Role> {
        self.packs
            .iter()
            .filter(move |p| p.language == language)
            .flat_map(|p| p.roles.iter())
    }

    /// Every role with the pack that declares it.
    pub fn roles_by_pack(&self) -> impl Iterator<Item = (&Pack, &Role)> {
        self.packs
            .iter()
            .flat_map(|p| p.roles.iter().map(move |r| (p, r)))
    }

    /// The canonical path a pack knows `path` by, if any.
    pub fn canonical(&self, path: &str) -> Option<&str> {
        self.canonical.get(path).map(String::as_str)
    }

    pub fn known_type(&self, canonical: &str) -> Option<&KnownType> {
        self.packs
            .iter()
            .flat_map(|p| p.types.iter())
            .find(|t| t.qualname == canonical)
    }

    pub fn factory(&self, canonical: &str) -> Option<&Factory> {
        self.packs
            .iter()
            .flat_map(|p| p.factories.iter())
            .find(|f| f.qualname == canonical)
    }

    pub fn is_opaque(&self, canonical: &str) -> bool {
        self.packs
            .iter()
            .any(|p| p.opaque.iter().any(|o| o == canonical))
    }

    pub fn role_by_root(&self, canonical: &str) -> Option<&Role> {
        self.packs
            .iter()
            .flat_map(|p| p.roles.iter())
            .find(|r| r.root == canonical)
    }

    /// `name version` of every pack, for `--version`.
    pub fn versions(&self) -> Vec<String> {
        self.packs
            .iter()
            .map(|p| format!("{} {}", p.name, p.version))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_packs_parse() {
        let packs = Packs::builtin();
        assert!(packs.roles(Language::Python).any(|r| r.async_ == "astep"));
        assert_eq!(
            packs.canonical("openhands.sdk.AgentBase"),
            Some("openhands.sdk.agent.base.AgentBase")
        );
    }

    const TWO_ROLES: &str = r#"
name = "x"
version = "1"
[[roles]]
name = "agent"
root = "m.Agent"
sync = "step"
async = "astep"
[[roles]]
name = "conversation"
root = "m.Conversation"
sync = "run"
async = "arun"
agent-attr = "agent"
"#;

    #[test]
    fn a_pack_without_the_new_keys_keeps_its_meaning() {
        let pack = parse_pack("x.toml", TWO_ROLES).unwrap();
        let conversation = &pack.roles[1];
        assert_eq!(conversation.default, None);
        assert!(!conversation.awaited_by_framework);
        assert_eq!(conversation.agent_attr.as_deref(), Some("agent"));
        assert_eq!(
            conversation.drives,
            [Drive {
                role: "agent".into(),
                attr: "agent".into()
            }]
        );
        assert!(pack.roles[0].drives.is_empty());
    }

    #[test]
    fn new_keys_parse_and_are_checked() {
        let text = TWO_ROLES.replace(
            "async = \"astep\"\n",
            "async = \"astep\"\ndefault = \"executor\"\nawaited-by-framework = true\n",
        );
        let pack = parse_pack("x.toml", &text).unwrap();
        assert_eq!(pack.roles[0].default, Some(DefaultKind::Executor));
        assert!(pack.roles[0].awaited_by_framework);

        let bad_kind = TWO_ROLES.replace(
            "async = \"astep\"\n",
            "async = \"astep\"\ndefault = \"thread\"\n",
        );
        let error = parse_pack("x.toml", &bad_kind).unwrap_err();
        assert!(error.message.contains("thread"), "{}", error.message);

        let stray = TWO_ROLES.replace(
            "async = \"astep\"\n",
            "async = \"astep\"\ndrives = [{ role = \"memory\", attr = \"memory\" }]\n",
        );
        let error = parse_pack("x.toml", &stray).unwrap_err();
        assert!(error.message.contains("`memory`"), "{}", error.message);

        let twice = format!(
            "{TWO_ROLES}[[roles]]\nname = \"agent\"\nroot = \"m.B\"\nsync = \"a\"\nasync = \"b\"\n"
        );
        let error = parse_pack("x.toml", &twice).unwrap_err();
        assert!(
            error.message.contains("declared twice"),
            "{}",
            error.message
        );

        let marked = format!("{TWO_ROLES}[[types]]\nqualname = \"m.Simple\"\nbases = [\"m.Agent\"]\ndefines = [\"step\"]\npseudo-native = [\"astep\"]\n");
        let error = parse_pack("x.toml", &marked).unwrap_err();
        assert!(error.message.contains("pseudo-native"), "{}", error.message);
    }

    #[test]
    fn builtin_python_roles_say_what_their_default_does() {
        let packs = Packs::builtin();
        for (pack, role) in packs.roles_by_pack() {
            if pack.language == Language::Python {
                assert!(role.default.is_some(), "{} {}", pack.name, role.name);
            }
        }
        let chat: Vec<&str> = packs
            .roles_by_pack()
            .filter(|(_, r)| r.root == "langchain_core.language_models.chat_models.BaseChatModel")
            .map(|(_, r)| r.async_.as_str())
            .collect();
        assert_eq!(chat, ["_agenerate", "_astream"]);
    }

    #[test]
    fn unknown_key_is_an_error_naming_it() {
        let error = parse_pack("x.toml", "name = 'x'\nversion = '1'\nbogus = 1\n").unwrap_err();
        assert!(error.message.contains("bogus"), "{}", error.message);
    }
}
