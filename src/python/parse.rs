//! The only file that talks to ruff's parser. An upgrade of the pinned ruff
//! crates should touch nothing else.

pub use ruff_python_ast as ast;
use ruff_python_ast::token::TokenKind;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::PySourceType;
use ruff_text_size::{Ranged, TextRange};

/// CPython's tokenizer rejects more nested brackets than this (MAXLEVEL,
/// "too many nested parentheses"); so do we, with the same message.
pub const MAX_BRACKETS: usize = 200;

/// Deepest syntax tree we keep, counting statements and expressions (a
/// module-level statement is level 1). This is where CPython 3.12 stops:
/// running a file whose statement is `x = a + a + ...` works with 2,999
/// terms (3,000 levels) and raises RecursionError ("during ast
/// construction" or "during compilation") with 3,000, and the same at the
/// same depth for attribute, call, subscript, unary and conditional chains
/// (measured on 3.12.1). `compile()` called from Python code starts a few
/// levels deeper and so refuses a few levels earlier; nothing CPython
/// compiles in any context is rejected here. Some trees its parser refuses
/// earlier (`lambda: lambda: ...`, `a ** a ** ...` past about 2,980) are
/// analyzed. Chains are walked in loops (see `spine`), other nesting
/// recursively on the parsing threads' large stacks; a deeper tree is
/// reported and leaked instead of walked or dropped.
pub const MAX_TREE_DEPTH: usize = 3000;

/// One syntax error, with its range in the decoded text.
pub struct SyntaxError {
    pub message: String,
    pub range: TextRange,
}

/// A parsed module: the recovered tree, every syntax error, and the ranges
/// of the comments (for suppressions).
pub struct Parsed {
    pub module: ast::ModModule,
    pub errors: Vec<SyntaxError>,
    pub comments: Vec<TextRange>,
}

/// Parses a module. Ruff's parser recovers from errors; we return the
/// recovered tree together with every error so that the caller decides.
pub fn parse_module(text: &str) -> Parsed {
    let parsed = ruff_python_parser::parse_unchecked_source(text, PySourceType::Python);
    let mut comments = Vec::new();
    let mut brackets = 0usize;
    let mut too_many_brackets = None;
    let mut depth_bound = DepthBound::default();
    for token in parsed.tokens().iter() {
        depth_bound.token(token.kind());
        match token.kind() {
            TokenKind::Comment => comments.push(token.range()),
            TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => {
                brackets += 1;
                if brackets > MAX_BRACKETS && too_many_brackets.is_none() {
                    too_many_brackets = Some(token.range());
                }
            }
            TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace => {
                brackets = brackets.saturating_sub(1);
            }
            _ => {}
        }
    }
    let mut errors: Vec<SyntaxError> = Vec::new();
    if let Some(range) = too_many_brackets {
        errors.push(SyntaxError {
            message: format!("too many nested parentheses (more than {MAX_BRACKETS} levels)"),
            range,
        });
    }
    errors.extend(parsed.errors().iter().map(|error| SyntaxError {
        message: error.error.to_string(),
        range: error.location,
    }));
    let mut module = parsed.into_syntax();
    // Most files cannot be deep enough to need the walk: without errors,
    // the token count bounds the depth (see `DepthBound`).
    let shallow = errors.is_empty() && depth_bound.max < MAX_TREE_DEPTH;
    let mut depth = Depth::default();
    if !shallow || cfg!(debug_assertions) {
        depth.visit_body(&module.body);
    }
    if shallow {
        debug_assert!(
            depth.deepest <= depth_bound.max,
            "a tree {} deep under a token bound of {}",
            depth.deepest,
            depth_bound.max
        );
    }
    if let Some(range) = depth.exceeded {
        // The bracket message, when there is one, says more; keep it first.
        errors.insert(
            usize::from(too_many_brackets.is_some()),
            SyntaxError {
                message: format!(
                    "too deeply nested (more than {MAX_TREE_DEPTH} levels of expressions and statements; CPython cannot compile it either)"
                ),
                range,
            },
        );
        // Dropping the tree would recurse once per level; leaking it is the
        // safe choice for one hostile file in a short-lived process.
        std::mem::forget(std::mem::take(&mut module.body));
    }
    Parsed {
        module,
        errors,
        comments,
    }
}

/// An upper bound on the depth of an error-free module's tree, from its
/// tokens alone. Every statement, expression and pattern owns at least one
/// token of its own (a keyword, an operator, a bracket, a name, a literal),
/// and a logical line holds its statement's whole header or body, so the
/// nodes that enclose a node on the same logical line are at most that
/// line's token count. The statements enclosing it from other lines are
/// the compound statements whose blocks are open (one `Indent` each; a
/// `match` opens two for one statement), plus, on a decorator's line, the
/// decorated definition below it.
#[derive(Default)]
struct DepthBound {
    indents: usize,
    line: usize,
    max: usize,
}

impl DepthBound {
    fn token(&mut self, kind: TokenKind) {
        match kind {
            TokenKind::Indent => self.indents += 1,
            TokenKind::Dedent => self.indents = self.indents.saturating_sub(1),
            _ => {}
        }
        self.line += 1;
        // The decorated definition, and the module level.
        self.max = self.max.max(self.indents + self.line + 2);
        if kind == TokenKind::Newline {
            self.line = 0;
        }
    }
}

/// Measures tree depth without ever recursing past the limit.
#[derive(Default)]
struct Depth {
    depth: usize,
    /// The deepest level entered (checks `DepthBound` in debug builds).
    deepest: usize,
    exceeded: Option<TextRange>,
}

impl Depth {
    fn enter(&mut self, range: TextRange, walk: impl FnOnce(&mut Self)) {
        if self.exceeded.is_some() {
            return;
        }
        if self.depth >= MAX_TREE_DEPTH {
            self.exceeded = Some(range);
            return;
        }
        self.depth += 1;
        self.deepest = self.deepest.max(self.depth);
        walk(self);
        self.depth -= 1;
    }
}

impl<'a> Visitor<'a> for Depth {
    fn visit_stmt(&mut self, stmt: &'a ast::Stmt) {
        self.enter(stmt.range(), |v| visitor::walk_stmt(v, stmt));
    }

    /// Each link of a chain is one level, as for CPython, but the chain is
    /// followed in a loop: `a + b + ...` with 100,000 terms never recurses.
    fn visit_expr(&mut self, expr: &'a ast::Expr) {
        let (links, end) = super::spine::links(expr);
        let base = self.depth;
        if self.exceeded.is_some() {
            return;
        }
        if let Some(link) = links.get(MAX_TREE_DEPTH.saturating_sub(base)) {
            self.exceeded = Some(link.range());
            return;
        }
        self.depth = base + links.len();
        self.deepest = self.deepest.max(self.depth);
        self.enter(end.range(), |v| visitor::walk_expr(v, end));
        for (at, link) in links.iter().enumerate().rev() {
            self.depth = base + at + 1;
            super::spine::walk_beside(self, link);
        }
        self.depth = base;
    }

    fn visit_pattern(&mut self, pattern: &'a ast::Pattern) {
        self.enter(pattern.range(), |v| visitor::walk_pattern(v, pattern));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The token bound and the depth the walk measures, for one module.
    fn bound_and_depth(text: &str) -> (usize, usize) {
        let parsed = ruff_python_parser::parse_unchecked_source(text, PySourceType::Python);
        assert!(parsed.errors().is_empty(), "{:?}", parsed.errors());
        let mut bound = DepthBound::default();
        for token in parsed.tokens().iter() {
            bound.token(token.kind());
        }
        let mut depth = Depth::default();
        depth.visit_body(&parsed.syntax().body);
        (bound.max, depth.deepest)
    }

    #[test]
    fn the_token_bound_holds_where_nodes_own_few_tokens() {
        let cases = [
            "x",
            "@a\ndef f(): pass",
            "class A:\n    @a.b(c)\n    def f(self): return -x",
            "if a:\n    if b:\n        while c:\n            with d: e",
            "match x:\n    case [1, {'k': y}] if y: z = not not y",
            "class A: x = 1; y = lambda: lambda: (yield)",
            "f'{a:{b:{c}}}' \"s\" 'x'",
            "def f[T: (int, str)](x: T) -> T: return x",
            "type A = list[A]",
            "try:\n    pass\nexcept* E as e:\n    raise e from None\nelse:\n    del a, b\nfinally:\n    pass",
            "a = b = c if d else e if f else g",
            "x = [y for y in z if y async for w in y]",
            "for a, *b in c: print(*a, **b)",
            "x = a.b().c[d](e)(f).g",
            "async def f():\n    async with a as b, c:\n        await b",
            "global x\nassert x, 'no'\nx: int = 1\nx += 1",
        ];
        for text in cases {
            let (bound, deepest) = bound_and_depth(text);
            assert!(deepest <= bound, "{text:?}: {deepest} deep, bound {bound}");
        }
    }

    #[test]
    fn the_token_bound_grows_with_nesting() {
        let nested: String = (0..60)
            .map(|level| format!("{}if x:\n", "    ".repeat(level)))
            .collect::<String>()
            + &"    ".repeat(60)
            + "y = -(-(-(-z)))\n";
        let (bound, deepest) = bound_and_depth(&nested);
        assert!(
            deepest > 60 && deepest <= bound,
            "{deepest} deep, bound {bound}"
        );
    }
}
