//! Language-neutral facts: what a front end extracts from one file.
//!
//! Nothing here refers to a syntax tree. A front end turns a file into
//! [`FileFacts`] and drops its tree; resolution, the hierarchy, the checks and
//! the reporters only ever see these facts.

pub mod rust;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    Rust,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Rust => "rust",
        }
    }
}

/// A region of one file: byte offsets into the decoded text, and the
/// one-based line and column (in characters) that editors show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Location {
    pub start: u32,
    pub end: u32,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Location {
    /// The empty span right after this one: where an insertion goes.
    pub fn end_point(self) -> Location {
        Location {
            start: self.end,
            end: self.end,
            line: self.end_line,
            column: self.end_column,
            end_line: self.end_line,
            end_column: self.end_column,
        }
    }
}

/// Index of a file in [`crate::Analysis::files`].
pub type FileId = usize;
/// Index of a scope in [`FileFacts::scopes`]; scope 0 is the module.
pub type ScopeId = usize;
/// Index of a class in [`FileFacts::classes`].
pub type ClassId = usize;

/// A name path written in the source (`sdk.AgentBase`), to be looked up from a
/// scope, or a path a front end already resolved itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NameRef {
    /// Dotted parts, looked up from `scope` with the language's scoping rules.
    Scoped { scope: ScopeId, parts: Vec<String> },
    /// An absolute qualified name, already resolved by the front end.
    Qualified(String),
}

impl NameRef {
    pub fn scoped(scope: ScopeId, parts: Vec<String>) -> Self {
        NameRef::Scoped { scope, parts }
    }

    /// The path as written, for messages.
    pub fn text(&self) -> String {
        match self {
            NameRef::Scoped { parts, .. } => parts.join("."),
            NameRef::Qualified(q) => q.clone(),
        }
    }
}

/// What a name is bound to in a scope.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Binding {
    /// `import a.b as c` binds `c` to module `a.b`; `import a.b` binds `a` to `a`.
    Module(String),
    /// `from m import n`: `n` is either submodule `m.n` or attribute `n` of `m`.
    From { module: String, name: String },
    /// A class statement in this scope.
    Class(ClassId),
    /// `X = a.b.C`: whatever the right-hand side names.
    Alias(NameRef),
    /// Anything else: a function, a call result, a literal. Not a class we can follow.
    Opaque,
}

/// One lexical scope: a module, a function or a class body.
/// A map keyed by name, sorted, in one vector: built once from a
/// `BTreeMap` when its scope is complete (inserting in order costs nothing).
pub type Names<V> = litemap::LiteMap<String, V>;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Scope {
    pub parent: Option<ScopeId>,
    /// Class bodies are not visible from the scopes nested in them.
    pub is_class_body: bool,
    /// Every binding of each name, in source order. More than one distinct
    /// binding (say both branches of `try: import a` / `except: import b`)
    /// makes the name ambiguous.
    pub bindings: Names<Vec<Binding>>,
}

/// How a class body provides an attribute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Member {
    /// `def`/`async def` (decorated or not), or an assignment of something
    /// that is not a reference to another class's attribute.
    Defined { location: Location },
    /// `astep = Other.astep`: the same object that `Other` provides.
    AliasOf(Box<AliasMember>),
    /// Decided by something we cannot see statically (`setattr`, a `cfg`, a macro).
    Unknown(Box<UnknownMember>),
}

// Every method of every class is a member and nearly all are `Defined`:
// the rare variants are boxed so that a member is 32 bytes, not 80.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasMember {
    pub class: NameRef,
    pub attr: String,
    pub location: Location,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownMember {
    pub reason: String,
    pub location: Location,
}

impl Member {
    pub fn location(&self) -> Location {
        match self {
            Member::Defined { location } => *location,
            Member::AliasOf(alias) => alias.location,
            Member::Unknown(unknown) => unknown.location,
        }
    }
}

/// A base class expression.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BaseRef {
    Name(NameRef),
    /// A name whose first part is bound in the class statement's own scope:
    /// the bindings in effect when the statement ran (Python evaluates bases
    /// then, so a later rebinding does not change them).
    Frozen {
        name: NameRef,
        bindings: Vec<Binding>,
    },
    /// Something that is not a name (a call, a conditional expression).
    Opaque(String),
}

/// A class (Python) or an implementing type or trait (Rust).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClassFact {
    pub name: String,
    /// The path inside its module, as Python's `__qualname__` spells it
    /// (`Outer.Inner`, `make.<locals>.Made`).
    pub qualname: String,
    pub location: Location,
    /// The scope the class statement is in; bases are looked up from here.
    pub scope: ScopeId,
    /// The class body's own scope.
    pub body_scope: ScopeId,
    pub bases: Vec<BaseRef>,
    pub members: Names<Member>,
    /// Attributes annotated in the class body with one class
    /// (`conversation: LocalConversation`, `_c: Optional[X] = None`):
    /// dataclass and pydantic fields, declared instance attributes.
    /// Each member of a union (`A | B`) is one name; a method's `self.x: T`
    /// counts too when the class body does not annotate `x`.
    #[serde(default)]
    pub annotations: BTreeMap<String, Vec<NameRef>>,
    /// The statements of its methods that assign each attribute of their
    /// receiver (`self.x = ...`); kept for classes that call a role's entry.
    #[serde(default)]
    pub receiver_assignments: BTreeMap<String, Vec<ReceiverAssign>>,
    /// Where each of `annotations` is written, for a finding to point at.
    #[serde(default)]
    pub annotated_at: BTreeMap<String, Location>,
}

/// One statement of a method that assigns an attribute of its receiver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiverAssign {
    /// The whole statement, as a stored test's location spans it.
    pub location: Location,
    pub value: Assigned,
}

/// What a receiver attribute is assigned, as far as a stored test cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Assigned {
    /// A literal whose truth is false (`False`, `None`, `0`, `""`): an
    /// initial value that never chooses the async path.
    Falsy,
    /// Anything else: a true literal, a test, a value we do not follow.
    Other,
}

/// `from module import name [as alias], ...`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FromImport {
    pub module: String,
    /// Each name, its alias, and the span of `name [as alias]`.
    pub names: Vec<(String, Option<String>, Location)>,
    /// The names start on a line after the statement's (a parenthesized
    /// list laid out one name per line).
    pub multiline: bool,
}

/// A diagnostic about the input itself (DL000): unreadable, undecodable or
/// unparsable source.
#[derive(Clone, Debug, Serialize)]
pub struct InputDiagnostic {
    pub code: &'static str,
    pub message: String,
    pub location: Option<Location>,
}

/// A suppression comment: `# noqa: DL001`, `# dispatchlint: ignore[DL001]`,
/// `# dispatchlint: ignore-file[DL004]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Suppression {
    /// Our codes it names (a malformed one may name none).
    pub codes: Vec<String>,
    /// A bare `# noqa`: every code on its line, as in ruff.
    pub all: bool,
    /// Why the comment is malformed (`ignore-file` without codes, `[dl004]`,
    /// `[DL9]`): reported as DL900, never silently ignored.
    pub malformed: Option<String>,
    /// The line the comment applies to (its own line, or the next one when
    /// the comment stands alone); `None` for a whole-file suppression.
    pub line: Option<u32>,
    pub location: Location,
}

/// Everything a front end learned from one file.
#[derive(Clone, Debug, Serialize)]
pub struct FileFacts {
    pub path: PathBuf,
    pub language: Language,
    /// Dotted module name (Python) or module path (Rust).
    pub module: String,
    /// `__init__.py` (Python) / `mod.rs` or crate root (Rust).
    pub is_package: bool,
    /// Found through `--python-path` to resolve a base: used for verdicts,
    /// never listed or checked itself.
    pub library: bool,
    pub scopes: Vec<Scope>,
    pub classes: Vec<ClassFact>,
    pub functions: Vec<crate::model::FunctionFact>,
    /// What each method and module-level function calls, for every such
    /// function (not only the followed ones `functions` holds).
    #[serde(default)]
    pub bodies: Vec<Body>,
    /// The class each function's return annotation names, by qualname
    /// (`make_conversation -> LocalConversation`).
    #[serde(default)]
    pub return_annotations: BTreeMap<String, Vec<NameRef>>,
    /// The last import statement at the module's top level, unconditional:
    /// where a fix adds an import.
    #[serde(default)]
    pub last_import: Option<Location>,
    /// The module's top-level, unconditional `from m import a, b as c`
    /// statements (absolute ones): an import a fix adds joins one of them.
    #[serde(default)]
    pub from_imports: Vec<FromImport>,
    /// Module-level names assigned once, at the top level, to a capability
    /// test or a tuple of classes, and rebound by no `global` statement: a
    /// guard that reads one reads that test.
    #[serde(default)]
    pub constants: BTreeMap<String, Constant>,
    /// Module-level `setattr(C, "astep", ...)` / `C.astep = ...`: the class and
    /// the attribute whose provider can no longer be known statically.
    pub patches: Vec<(NameRef, String, Location)>,
    pub suppressions: Vec<Suppression>,
    pub diagnostics: Vec<InputDiagnostic>,
    /// Rust only: modules, `use` bindings, traits and impls, resolved across
    /// files by `rust::link` before the hierarchy is built.
    pub rust: Option<Box<rust::RustFacts>>,
}

impl FileFacts {
    pub fn empty(path: PathBuf, language: Language, module: String) -> Self {
        FileFacts {
            path,
            language,
            module,
            is_package: false,
            library: false,
            scopes: vec![Scope::default()],
            classes: Vec::new(),
            functions: Vec::new(),
            bodies: Vec::new(),
            return_annotations: BTreeMap::new(),
            last_import: None,
            from_imports: Vec::new(),
            constants: BTreeMap::new(),
            patches: Vec::new(),
            suppressions: Vec::new(),
            diagnostics: Vec::new(),
            rust: None,
        }
    }
}

/// A function or method, with what the dispatch checks need to know about its body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FunctionFact {
    pub name: String,
    pub qualname: String,
    pub location: Location,
    /// The whole statement, decorators included: what removing it removes.
    #[serde(default)]
    pub span: Location,
    pub is_async: bool,
    /// The function's own scope.
    pub scope: ScopeId,
    /// The class whose body holds this function, if it is a method.
    pub class: Option<ClassId>,
    pub params: Vec<Param>,
    /// Bindings of local names to values, in source order.
    pub assigns: Vec<Assign>,
    /// Calls of a role's async entry (`await c.arun()`, `asyncio.run(c.arun())`).
    pub entry_calls: Vec<EntryCall>,
    /// Conditions that test some value's async capability.
    pub guards: Vec<Guard>,
    /// For an async method: what its whole body does, when it only delegates.
    pub delegation: Option<Delegation>,
    /// The `raise NotImplementedError` statement, when raising it is all
    /// the body does (after a docstring or `pass`): a method that does not
    /// work, which its caller cannot tell from one that does.
    #[serde(default)]
    pub raises: Option<Location>,
    /// The one call the whole body hands its work to, when that is a
    /// method of an attribute of the receiver (`return self.inner.run(q)`).
    #[serde(default)]
    pub forwards: Option<Forward>,
    /// What its `return` statements hand back, when that is a capability
    /// test or a call that may be one: a helper a guard may call.
    #[serde(default)]
    pub returns: Vec<Condition>,
    /// Capability tests it stores in attributes (`self._native = ...`),
    /// which a guard in another method may read.
    #[serde(default)]
    pub stored: Vec<Stored>,
}

/// The calls a method or module-level function makes in its own body (not
/// in functions or lambdas nested in it), with how each is run: what the
/// checks read to tell whether the function blocks the event loop.
///
/// Kept apart from [`FunctionFact`], which exists only for the functions
/// that mention a role's async entry: a sync entry and the helpers it calls
/// rarely do, and giving them empty flow facts would change what the guard
/// checks find when they follow a helper.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Body {
    pub name: String,
    pub qualname: String,
    /// The class whose body holds this function, if it is a method.
    pub class: Option<ClassId>,
    pub is_async: bool,
    /// The function's name.
    pub location: Location,
    pub calls: Vec<Call>,
}

/// One call in a [`Body`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Call {
    pub callee: Callee,
    pub mode: CallMode,
    /// The call expression (for [`CallMode::Executor`], the callable handed on).
    pub location: Location,
}

/// What a call names, as written, with where its first name is bound.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Callee {
    /// A name looked up outside the function (`time.sleep`, `helper`,
    /// `requests.get`), or a path an import inside the function made
    /// absolute (`NameRef::Qualified`).
    Name(NameRef),
    /// An attribute path on the method's receiver, the receiver left out:
    /// `["_run"]` for `self._run(...)`, `["llm", "complete"]` for
    /// `self.llm.complete(...)`. The receiver path is all but the last part.
    Receiver(Vec<String>),
    /// An attribute path on an annotated parameter (`llm.complete(...)`
    /// with `llm: CustomLLM`). Boxed: the rarest callee is the largest, and
    /// every call of every analyzed function is held until the checks run.
    Param(Box<ParamCall>),
}

/// A call on an annotated parameter: [`Callee::Param`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamCall {
    pub name: String,
    /// The attribute path after the parameter.
    pub path: Vec<String>,
    pub annotation: NameRef,
}

impl Callee {
    /// The call as written, for messages (the receiver shown as `self`).
    pub fn text(&self) -> String {
        match self {
            Callee::Name(name) => name.text(),
            Callee::Receiver(path) => format!("self.{}", path.join(".")),
            Callee::Param(param) => format!("{}.{}", param.name, param.path.join(".")),
        }
    }
}

/// How a call's work runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallMode {
    /// Called where it stands: on the event loop, in an async function.
    Inline,
    /// `await f(...)`: the callee is a coroutine function run on the loop.
    Awaited,
    /// Handed, uncalled, to `run_in_executor` or `asyncio.to_thread`.
    Executor,
}

/// What an expression tests, as a guard's condition would.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Condition {
    pub tests: Vec<CapabilityTest>,
    pub mentions: Vec<Vec<String>>,
    pub passed: Vec<Vec<String>>,
    pub calls: Vec<ConditionCall>,
}

/// What a module-level constant holds: a capability test
/// (`USE_ASYNC = inspect.iscoroutinefunction(LocalConversation.arun)`), or
/// the classes of a tuple (`_NATIVE_AGENTS = (MyAgent, OtherAgent)`) that an
/// `isinstance` test may name.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Constant {
    pub condition: Condition,
    pub classes: Vec<Vec<String>>,
    pub location: Location,
}

/// A capability test stored in an attribute.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Stored {
    /// `self._native`.
    pub target: Vec<String>,
    pub condition: Condition,
    pub location: Location,
}

/// A call in a condition to a named function (`_native(c)`,
/// `self._is_native(c)`): the checks may follow it into an analyzed
/// function whose return value is a capability test.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConditionCall {
    pub callee: Vec<String>,
    /// Each positional argument's path (`c`, or `c` of `type(c)`), if it
    /// has one.
    pub args: Vec<Option<Vec<String>>>,
    pub keywords: Vec<(String, Vec<String>)>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    /// The classes its annotation names: one, or each member of a union.
    pub annotation: Vec<NameRef>,
}

/// A value expression, as far as the checks follow values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// A local name or attribute path: `conv`, `self.conversation`, `conv.agent`.
    Path(Vec<String>),
    /// A call of something named: `LocalConversation(agent=a)`.
    Call {
        callee: NameRef,
        args: Vec<Value>,
        keywords: Vec<(String, Value)>,
    },
    /// A string literal: a factory argument such as a workspace URL.
    Str(String),
    Other,
}

/// Where in a function's branch structure a fact sits: the ids of the
/// enclosing branches (`if` arms, loop bodies, handlers, `match` cases),
/// outermost first. A binding reaches a use only when its block is a prefix
/// of the use's block.
pub type Block = Vec<u32>;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Assign {
    pub target: Vec<String>,
    pub value: Value,
    pub location: Location,
    pub block: Block,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EntryCall {
    /// What the method is called on.
    pub receiver: Value,
    pub method: String,
    pub driver: Driver,
    /// The whole expression (`await c.arun()`).
    pub location: Location,
    pub block: Block,
}

/// How a coroutine of an entry call is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Driver {
    /// `await c.arun()`.
    Await,
    /// `asyncio.run(c.arun())`: a loop of its own that runs nothing else.
    AsyncioRun,
    /// Handed to a scheduler of the running loop: `create_task`,
    /// `ensure_future`, `gather`, `wait_for`, `shield`,
    /// `run_until_complete`, `run_coroutine_threadsafe`.
    Scheduled,
}

/// How an async override hands its work on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// `await loop.run_in_executor(None, self.step, ...)`.
    Executor,
    /// `await asyncio.to_thread(self.step, ...)`.
    ToThread,
    /// `self.step(...)`, called on the event loop.
    Inline,
    /// `await super().astep(...)`.
    Super,
}

/// How a condition tests a capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TestKind {
    /// `type(x).m is not Base.m`
    Identity,
    /// `inspect.iscoroutinefunction(x.m)` / `asyncio.iscoroutinefunction`
    IsCoroutineFunction,
    /// `hasattr(x, "m")`
    HasAttr,
    /// `getattr(x, "m", None)`
    GetAttr,
    /// `"m" in vars(type(x))` / `type(x).__dict__`
    VarsContains,
    /// `isinstance(x, C)`, `match x: case C():`: a capability when every
    /// class named is known to define the entry (`attr` is empty).
    IsInstance,
    /// `issubclass(type(x), C)`, `issubclass(cls, C)`: as `IsInstance`, on
    /// the class of `x` (or on the class a parameter is handed).
    IsSubclass,
}

impl TestKind {
    /// A test that names classes rather than an entry: what it tests
    /// depends on those classes' verdicts.
    pub fn names_classes(self) -> bool {
        matches!(self, TestKind::IsInstance | TestKind::IsSubclass)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CapabilityTest {
    /// The value whose class is tested (`conversation`, `conversation.agent`).
    pub subject: Vec<String>,
    pub attr: String,
    pub kind: TestKind,
    pub location: Location,
    /// For `IsInstance` and `IsSubclass`: the classes named, as written.
    #[serde(default)]
    pub classes: Vec<Vec<String>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Guard {
    /// The condition of the `if` (or the helper variable's assignment).
    pub location: Location,
    /// Helper variables the condition went through (`has_native_arun`).
    pub via: Option<String>,
    /// The `if` condition itself (the same as `location` without a helper).
    pub branch: Location,
    pub tests: Vec<CapabilityTest>,
    /// Paths the condition reads outside any recognized test, and paths it
    /// hands to calls it does not recognize (`is_native(c.agent)`, `c.f()`):
    /// such a condition may test a capability in a way we cannot see.
    pub mentions: Vec<Vec<String>>,
    pub passed: Vec<Vec<String>>,
    /// Calls of named functions in the condition, which may test inside.
    #[serde(default)]
    pub calls: Vec<ConditionCall>,
    /// The operands of `not` in the condition: a test inside one is negated,
    /// and a conjunct added after it would not mean what it says.
    #[serde(default)]
    pub negated: Vec<Location>,
    /// Indices into [`FunctionFact::entry_calls`] of the calls in the guarded branch.
    pub protected: Vec<usize>,
}

/// An async method whose body only hands the sync method to something else.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Delegation {
    pub via: Via,
    pub target: String,
    pub location: Location,
}

/// A method body that is one call of a method of an attribute of the
/// receiver (`return self.inner._run(*args, **kwargs)`), awaited or not.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Forward {
    /// `["self", "inner"]`: the receiver and the attribute.
    pub object: Vec<String>,
    pub method: String,
    pub awaited: bool,
    /// The call.
    pub location: Location,
}
