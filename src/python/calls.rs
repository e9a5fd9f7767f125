//! The calls a method or module-level function makes in its own body, with
//! how each is run (inline, awaited, handed to a thread) and where the
//! first name of each is bound: the facts the blocking checks read.
//!
//! Which calls block is not decided here: the semantic layer resolves what
//! each call names and knows the blocking callables. This module only
//! leaves out what no later question can be about: calls on local
//! variables (nothing says what they hold), on unannotated parameters, and
//! of the builtins that never block.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::model::{Call, CallMode, Callee, NameRef, ParamCall, ScopeId};

use super::flow::annotation_names;
use super::modules::resolve_relative;
use super::syntax::{dotted, dotted_tail, Locator, MAX_DEPTH};

/// Builtins called by their bare name that never wait on anything: left
/// out so that the facts stay small (`open` and `input` are kept).
const QUIET_BUILTINS: &[&str] = &[
    "len",
    "isinstance",
    "issubclass",
    "print",
    "str",
    "int",
    "float",
    "bool",
    "bytes",
    "dict",
    "list",
    "tuple",
    "set",
    "frozenset",
    "type",
    "super",
    "getattr",
    "setattr",
    "hasattr",
    "range",
    "enumerate",
    "zip",
    "sorted",
    "reversed",
    "min",
    "max",
    "sum",
    "any",
    "all",
    "repr",
    "iter",
    "next",
    "map",
    "filter",
    "id",
    "hash",
    "format",
    "vars",
    "callable",
    "abs",
    "round",
    "object",
];

/// Builtins that block, called by their bare name: kept when the module
/// does not bind the name.
pub const BLOCKING_BUILTINS: &[&str] = &["open", "input"];

/// Where the function sits, for reading its calls' first names.
pub struct Site<'a> {
    /// Whether the function is a method whose first parameter is its
    /// receiver (not a `staticmethod`).
    pub method: bool,
    /// Where names not bound in the function are looked up: the module
    /// for a module-level function, the scope the class statement is in
    /// for a method (class bodies are not visible from methods).
    pub lookup: ScopeId,
    /// Where parameter annotations are looked up: the scope of the `def`.
    pub annotations: ScopeId,
    pub module: &'a str,
    pub is_package: bool,
    /// Whether a first name is bound in the lookup scope only to plain
    /// values (`client = Client()`, a `def`): an attribute call on such a
    /// name says nothing a check can use.
    pub plain_value: &'a dyn Fn(&str) -> bool,
}

/// Every call `function`'s own body makes that a check may ask about.
pub fn calls(function: &ast::StmtFunctionDef, site: &Site<'_>, locator: &Locator<'_>) -> Vec<Call> {
    let mut walk = Walk::default();
    for stmt in &function.body {
        walk.visit_stmt(stmt);
    }
    let mut parameters = function.parameters.iter();
    let receiver = if site.method {
        parameters.next().map(|p| p.name().id.as_str())
    } else {
        None
    };
    let annotated: HashMap<&str, Option<&Expr>> = parameters
        .map(|p| (p.name().id.as_str(), p.annotation()))
        .collect();
    let mut local_imports = HashMap::default();
    for (bound, import) in &walk.imports {
        if let Some(path) = import.absolute(site) {
            local_imports.insert(*bound, path);
        }
    }
    // Most calls are decided by their first name alone: only the ones kept
    // have their path spelled out.
    walk.found
        .into_iter()
        .filter_map(|(func, mode, range)| {
            let (head, attribute) = head_of(func)?;
            let callee = if Some(head) == receiver {
                if !attribute {
                    return None;
                }
                Callee::Receiver(dotted_tail(func)?)
            } else if let Some(annotation) = annotated.get(head) {
                // One class: a union's members may disagree on what blocks.
                let [annotation] =
                    <[Vec<String>; 1]>::try_from(annotation_names((*annotation)?)).ok()?;
                if !attribute {
                    return None;
                }
                Callee::Param(Box::new(ParamCall {
                    name: head.to_owned(),
                    path: dotted_tail(func)?,
                    annotation: NameRef::scoped(site.annotations, annotation),
                }))
            } else if let Some(path) = local_imports.get(head) {
                let parts = dotted(func)?;
                let mut full = vec![path.clone()];
                full.extend(parts[1..].iter().cloned());
                Callee::Name(NameRef::Qualified(full.join(".")))
            } else if walk.locals.contains(head)
                || (!attribute && QUIET_BUILTINS.contains(&head))
                || (attribute && (site.plain_value)(head))
            {
                return None;
            } else {
                Callee::Name(NameRef::scoped(site.lookup, dotted(func)?))
            };
            Some(Call {
                callee,
                mode,
                location: locator.location(range),
            })
        })
        .collect()
}

/// The first name of a dotted callee, and whether an attribute follows it
/// (`a` of `a.b.c`, true); `None` for any other expression.
fn head_of(expr: &Expr) -> Option<(&str, bool)> {
    let mut current = expr;
    let mut attribute = false;
    loop {
        match current {
            Expr::Name(name) => return Some((name.id.as_str(), attribute)),
            Expr::Attribute(attr) => {
                attribute = true;
                current = &attr.value;
            }
            _ => return None,
        }
    }
}

/// An import statement inside the function body.
enum LocalImport {
    /// `import a.b as c` (`c` -> `a.b`), `import a.b` (`a` -> `a`).
    Module(String),
    /// `from m import n` (relative: level and module as written).
    From {
        level: u32,
        module: Option<String>,
        name: String,
    },
}

impl LocalImport {
    fn absolute(&self, site: &Site<'_>) -> Option<String> {
        match self {
            LocalImport::Module(module) => Some(module.clone()),
            LocalImport::From {
                level,
                module,
                name,
            } => {
                let base = if *level == 0 {
                    module.clone()?
                } else {
                    resolve_relative(site.module, site.is_package, *level, module.as_deref())?
                };
                Some(format!("{base}.{name}"))
            }
        }
    }
}

#[derive(Default)]
struct Walk<'a> {
    /// Callees (dotted, or not yet known to be), how they run, and where.
    found: Vec<(&'a Expr, CallMode, TextRange)>,
    /// Names the function binds itself: what they hold is not known here.
    locals: HashSet<&'a str>,
    imports: Vec<(&'a str, LocalImport)>,
    /// The call right under the `await` being walked.
    awaited: Option<TextRange>,
    depth: usize,
}

impl<'a> Walk<'a> {
    fn call(&mut self, call: &'a ast::ExprCall) {
        let func = &*call.func;
        let last = match func {
            Expr::Name(name) => name.id.as_str(),
            Expr::Attribute(attr) => attr.attr.id.as_str(),
            _ => return,
        };
        let mode = if self.awaited == Some(call.range()) {
            CallMode::Awaited
        } else {
            CallMode::Inline
        };
        // What a thread is handed is not called here.
        let handed = match last {
            "run_in_executor" => call.arguments.args.get(1),
            "to_thread" => call.arguments.args.first(),
            _ => None,
        };
        if let Some(handed) = handed {
            let handed = match handed {
                Expr::Call(partial)
                    if dotted(&partial.func)
                        .is_some_and(|f| f.last().is_some_and(|n| n == "partial")) =>
                {
                    partial.arguments.args.first()
                }
                other => Some(other),
            };
            if let Some(expr) = handed {
                self.found.push((expr, CallMode::Executor, expr.range()));
            }
        }
        self.found.push((func, mode, call.range()));
    }

    fn visit_end(&mut self, expr: &'a Expr) {
        match expr {
            // A lambda's body runs when it is called, not here.
            Expr::Lambda(_) => return,
            Expr::Await(await_expr) => {
                if let Expr::Call(call) = &*await_expr.value {
                    self.awaited = Some(call.range());
                }
            }
            Expr::Name(name) if name.ctx == ExprContext::Store => {
                self.locals.insert(name.id.as_str());
            }
            _ => {}
        }
        self.depth += 1;
        visitor::walk_expr(self, expr);
        self.depth -= 1;
    }
}

impl<'a> Visitor<'a> for Walk<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.depth > MAX_DEPTH {
            return;
        }
        match stmt {
            // A nested function or class runs its body later, if ever.
            Stmt::FunctionDef(function) => {
                self.locals.insert(function.name.id.as_str());
            }
            Stmt::ClassDef(class) => {
                self.locals.insert(class.name.id.as_str());
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    let full = alias.name.id.as_str();
                    let (bound, module) = match &alias.asname {
                        Some(asname) => (asname.as_str(), full.to_owned()),
                        None => {
                            let first = full.split('.').next().unwrap_or(full);
                            (first, first.to_owned())
                        }
                    };
                    self.imports.push((bound, LocalImport::Module(module)));
                }
            }
            Stmt::ImportFrom(import) => {
                for alias in &import.names {
                    let name = alias.name.id.to_string();
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                    self.imports.push((
                        bound,
                        LocalImport::From {
                            level: import.level,
                            module: import.module.as_ref().map(|m| m.id.to_string()),
                            name,
                        },
                    ));
                }
            }
            _ => {
                self.depth += 1;
                visitor::walk_stmt(self, stmt);
                self.depth -= 1;
            }
        }
    }

    /// A chain (`a.b().c()`) is walked along its spine in a loop, so that a
    /// generated chain of any length costs no stack.
    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.depth > MAX_DEPTH {
            return;
        }
        let (links, end) = super::spine::links(expr);
        for link in &links {
            if let Expr::Call(call) = link {
                self.call(call);
            }
        }
        self.visit_end(end);
        self.depth += 1;
        for link in links.iter().rev() {
            super::spine::walk_beside(self, link);
        }
        self.depth -= 1;
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::model::{CallMode, Callee, FileFacts, Language, NameRef};

    fn bodies(source: &str) -> Vec<crate::model::Body> {
        let facts = FileFacts::empty(PathBuf::from("m.py"), Language::Python, "pkg.m".into());
        crate::python::from_text(facts, source).bodies
    }

    fn calls(body: &crate::model::Body) -> Vec<(String, CallMode)> {
        body.calls
            .iter()
            .map(|c| (c.callee.text(), c.mode))
            .collect()
    }

    #[test]
    fn awaited_threaded_nested_and_lambda_calls() {
        let source = r#"
import asyncio, functools, time

class Tool:
    async def _arun(self, q, llm: "CustomLLM", other):
        data = self._run(q)
        await asyncio.sleep(1)
        await self.helper(time.sleep(2))
        await asyncio.to_thread(self._run, q)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, functools.partial(time.sleep, 1))
        await loop.run_in_executor(None, lambda: self._run(q))
        def later():
            time.sleep(3)
        llm.complete(q)
        other.complete(q)
        data.strip()
        len(q)
        open(q)
        import requests as r
        from .helpers import fetch
        r.get(q)
        fetch(q)
        self.llm.complete(q)
"#;
        let found = bodies(source);
        assert_eq!(found.len(), 1);
        let body = &found[0];
        assert_eq!(
            (body.qualname.as_str(), body.is_async),
            ("Tool._arun", true)
        );
        use CallMode::*;
        let expected: Vec<(String, CallMode)> = [
            ("self._run", Inline),
            ("asyncio.sleep", Awaited),
            ("self.helper", Awaited),
            ("time.sleep", Inline),
            ("self._run", Executor),
            ("asyncio.to_thread", Awaited),
            ("asyncio.get_running_loop", Inline),
            ("time.sleep", Executor),
            ("functools.partial", Inline),
            ("llm.complete", Inline),
            ("open", Inline),
            ("requests.get", Inline),
            ("pkg.helpers.fetch", Inline),
            ("self.llm.complete", Inline),
        ]
        .into_iter()
        .map(|(text, mode)| (text.to_owned(), mode))
        .collect();
        // Left out: calls on locals (`loop`, `data`, `other` unannotated),
        // quiet builtins (`len`), anything in `later` or the lambda.
        assert_eq!(calls(body), expected);
        let param = body
            .calls
            .iter()
            .find(|c| c.callee.text() == "llm.complete")
            .unwrap();
        assert!(
            matches!(&param.callee, Callee::Param(call) if matches!(&call.annotation, NameRef::Scoped { parts, .. } if parts == &["CustomLLM"]))
        );
        let imported = body
            .calls
            .iter()
            .find(|c| c.callee.text() == "requests.get")
            .unwrap();
        assert_eq!(
            imported.callee,
            Callee::Name(NameRef::Qualified("requests.get".into()))
        );
    }

    #[test]
    fn module_functions_and_methods_only_and_annotations_kept_when_called_through() {
        let source = r#"
import time

def helper():
    time.sleep(1)

def outer():
    def inner():
        time.sleep(1)
    return inner

def raises():
    raise ValueError(Holder(later()))

def later():
    return 1

class Holder:
    llm: "LLM"
    unused: "Other"

    def run(self):
        self.llm.completion()
        return 1
"#;
        let found = bodies(source);
        let names: Vec<&str> = found.iter().map(|b| b.qualname.as_str()).collect();
        // `raises` only builds an exception and a `Holder` (a builtin and a
        // class: dropped) and calls `later`, defined below it (kept).
        assert_eq!(names, ["helper", "raises", "Holder.run"]);
        let raises: Vec<String> = found[1].calls.iter().map(|c| c.callee.text()).collect();
        assert_eq!(raises, ["later"]);
        // A class that mentions no async entry keeps only the annotations
        // its methods call through.
        let entries = crate::python::Mentions::new(vec!["astep".into()]);
        let facts = crate::python::from_text_following(
            FileFacts::empty(PathBuf::from("m.py"), Language::Python, "m".into()),
            source,
            crate::python::Follow::Mentioning(&entries),
        );
        let holder = facts.classes.iter().find(|c| c.name == "Holder").unwrap();
        let kept: Vec<&String> = holder.annotations.keys().collect();
        assert_eq!(kept, ["llm"]);
    }
}
