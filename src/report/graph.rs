//! `agents --format dot|mermaid`: the role hierarchy as a graph, nodes
//! coloured by verdict, edges from each type to its bases.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Write};

use crate::hierarchy::{TypeKey, Verdict};
use crate::semantic::Semantic;

const NATIVE: &str = "#b7e1a1";
const INHERITED: &str = "#f6c38b";
const UNKNOWN: &str = "#d9d9d9";
const ROOT: &str = "#9ecae1";

struct Node {
    label: String,
    class: &'static str,
}

/// The nodes and edges: every type with a verdict, and its bases up to the roots.
fn graph(semantic: &Semantic<'_>) -> (BTreeMap<String, Node>, BTreeSet<(String, String)>) {
    let analysis = semantic.analysis;
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    let mut edges = BTreeSet::new();
    let mut verdicts: HashMap<TypeKey, Verdict> = HashMap::new();
    for v in &semantic.verdicts {
        verdicts.insert(TypeKey::Source(v.file, v.class), v.capability.verdict);
    }
    let roots: BTreeSet<String> = semantic
        .hierarchy
        .roles
        .iter()
        .map(|r| analysis.qualname(&r.root))
        .collect();
    let mut work: Vec<TypeKey> = verdicts.keys().cloned().collect();
    let mut seen = BTreeSet::new();
    while let Some(key) = work.pop() {
        let name = analysis.qualname(&key);
        if !seen.insert(name.clone()) {
            continue;
        }
        let class = if roots.contains(&name) {
            "root"
        } else {
            match verdicts.get(&key) {
                Some(Verdict::Native) => "native",
                Some(Verdict::Inherited) => "inherited",
                Some(Verdict::Unknown) | None => "unknown",
            }
        };
        let short = name.rsplit(['.', ':']).next().unwrap_or(&name).to_owned();
        let label = match class {
            "root" => format!("{short}\\nroot"),
            "unknown" if !verdicts.contains_key(&key) => short,
            verdict => format!("{short}\\n{verdict}"),
        };
        nodes.insert(name.clone(), Node { label, class });
        if let Some(node) = semantic.hierarchy.node(&key) {
            for base in &node.bases {
                if matches!(base, TypeKey::Opaque(_)) {
                    continue;
                }
                edges.insert((name.clone(), analysis.qualname(base)));
                work.push(base.clone());
            }
        }
    }
    (nodes, edges)
}

fn fill(class: &str) -> &'static str {
    match class {
        "native" => NATIVE,
        "inherited" => INHERITED,
        "root" => ROOT,
        _ => UNKNOWN,
    }
}

pub fn write_dot(semantic: &Semantic<'_>, out: &mut dyn Write) -> io::Result<()> {
    let (nodes, edges) = graph(semantic);
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    writeln!(out, "digraph dispatchlint {{")?;
    writeln!(out, "  rankdir=BT;")?;
    writeln!(
        out,
        "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];"
    )?;
    for (name, node) in &nodes {
        // Labels keep their `\n` line breaks: DOT reads them as escapes.
        writeln!(
            out,
            "  {} [label=\"{}\", fillcolor=\"{}\", tooltip={}];",
            quote(name),
            node.label.replace('"', "\\\""),
            fill(node.class),
            quote(name)
        )?;
    }
    for (from, to) in &edges {
        writeln!(out, "  {} -> {};", quote(from), quote(to))?;
    }
    writeln!(out, "}}")
}

pub fn write_mermaid(semantic: &Semantic<'_>, out: &mut dyn Write) -> io::Result<()> {
    let (nodes, edges) = graph(semantic);
    let ids: HashMap<&String, String> = nodes
        .keys()
        .enumerate()
        .map(|(i, name)| (name, format!("n{i}")))
        .collect();
    writeln!(out, "flowchart BT")?;
    for (name, node) in &nodes {
        let label = node.label.replace("\\n", "<br/>").replace('"', "#quot;");
        writeln!(out, "  {}[\"{}\"]:::{}", ids[name], label, node.class)?;
    }
    for (from, to) in &edges {
        if let (Some(a), Some(b)) = (ids.get(from), ids.get(to)) {
            writeln!(out, "  {a} --> {b}")?;
        }
    }
    for class in ["native", "inherited", "unknown", "root"] {
        writeln!(out, "  classDef {class} fill:{}", fill(class))?;
    }
    Ok(())
}
