//! Expansion tests: run the expansion on tokens and read its output back
//! with syn, asserting on the generated items rather than on their text.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::{ImplItem, ImplItemConst, Item, ItemImpl};

use super::try_expand;
use crate::role::{Role, AGENT, CONVERSATION};

fn expand_ok(role: &Role, item: TokenStream) -> Vec<ItemImpl> {
    let out = try_expand(role, TokenStream::new(), item).expect("expansion succeeds");
    let file: syn::File = syn::parse2(out).expect("output parses as items");
    file.items
        .into_iter()
        .map(|item| match item {
            Item::Impl(block) => block,
            other => panic!("only impls are generated, got {}", other.to_token_stream()),
        })
        .collect()
}

fn expand_err(role: &Role, attr: TokenStream, item: TokenStream) -> String {
    try_expand(role, attr, item)
        .expect_err("expansion fails")
        .to_string()
}

fn trait_name(block: &ItemImpl) -> Option<String> {
    block
        .trait_
        .as_ref()
        .map(|(_, path, _)| path.to_token_stream().to_string().replace(' ', ""))
}

fn method_names(block: &ItemImpl) -> Vec<String> {
    block
        .items
        .iter()
        .filter_map(|item| match item {
            ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
            _ => None,
        })
        .collect()
}

/// The recorded const of the inherent impl: its name and its string list.
fn recorded(block: &ItemImpl) -> (String, Vec<String>) {
    assert!(block.trait_.is_none(), "the record is an inherent impl");
    let [ImplItem::Const(ImplItemConst { ident, expr, .. })] = block.items.as_slice() else {
        panic!("the record holds exactly one const");
    };
    let syn::Expr::Reference(reference) = expr else {
        panic!("the record is a reference to an array");
    };
    let syn::Expr::Array(array) = &*reference.expr else {
        panic!("the record is a reference to an array");
    };
    let names = array
        .elems
        .iter()
        .map(|e| match e {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => s.value(),
            other => panic!("not a string: {}", other.to_token_stream()),
        })
        .collect();
    (ident.to_string(), names)
}

fn has_attr(block: &ItemImpl, path: &str) -> bool {
    block
        .attrs
        .iter()
        .any(|a| a.path().to_token_stream().to_string().replace(' ', "") == path)
}

#[test]
fn astep_moves_into_a_generated_async_impl() {
    let impls = expand_ok(
        &AGENT,
        quote! {
            impl Agent for Echo {
                fn step(&self, state: &mut ConversationState) -> Result<(), BoxError> { Ok(()) }
                async fn astep(&self, state: &mut ConversationState) -> Result<(), BoxError> { Ok(()) }
            }
        },
    );
    let [sync_impl, async_impl, record] = impls.as_slice() else {
        panic!("expected three impls, got {}", impls.len());
    };

    assert_eq!(trait_name(sync_impl).as_deref(), Some("Agent"));
    assert_eq!(method_names(sync_impl), ["step", "as_async"]);
    let ImplItem::Fn(as_async) = &sync_impl.items[1] else {
        unreachable!()
    };
    assert_eq!(
        as_async
            .block
            .to_token_stream()
            .to_string()
            .replace(' ', ""),
        "{::core::option::Option::Some(self)}"
    );

    assert_eq!(
        trait_name(async_impl).as_deref(),
        Some("::dispatchlint_runtime::AsyncAgent")
    );
    assert!(has_attr(async_impl, "::dispatchlint_runtime::async_trait"));
    assert_eq!(method_names(async_impl), ["astep"]);
    assert_eq!(
        async_impl.self_ty.to_token_stream().to_string(),
        sync_impl.self_ty.to_token_stream().to_string()
    );

    assert_eq!(
        recorded(record),
        (
            "__DISPATCHLINT_AGENT_METHODS".to_owned(),
            vec!["step".to_owned(), "astep".to_owned()]
        )
    );
}

#[test]
fn without_astep_the_impl_is_unchanged() {
    let input = quote! {
        impl dispatchlint_runtime::Agent for Plain {
            fn name(&self) -> &str { "plain" }
            fn step(&self, state: &mut ConversationState) -> Result<(), BoxError> { Ok(()) }
        }
    };
    let impls = expand_ok(&AGENT, input.clone());
    let [sync_impl, record] = impls.as_slice() else {
        panic!(
            "expected the impl and its record, got {} impls",
            impls.len()
        );
    };
    let input: ItemImpl = syn::parse2(input).unwrap();
    assert_eq!(
        sync_impl.to_token_stream().to_string(),
        input.to_token_stream().to_string()
    );
    assert_eq!(recorded(record).1, ["name", "step"]);
}

#[test]
fn generics_where_clauses_and_cfg_carry_over() {
    let impls = expand_ok(
        &AGENT,
        quote! {
            #[cfg(feature = "streaming")]
            impl<T: Clone + Send + Sync> Agent for Generic<T> where T: 'static {
                fn step(&self, state: &mut ConversationState) -> Result<(), BoxError> { Ok(()) }
                async fn astep(&self, state: &mut ConversationState) -> Result<(), BoxError> { Ok(()) }
            }
        },
    );
    let [sync_impl, async_impl, record] = impls.as_slice() else {
        panic!("expected three impls, got {}", impls.len());
    };
    for generated in [async_impl, record] {
        assert_eq!(
            generated.generics.to_token_stream().to_string(),
            sync_impl.generics.to_token_stream().to_string()
        );
        assert_eq!(
            generated
                .generics
                .where_clause
                .to_token_stream()
                .to_string(),
            sync_impl
                .generics
                .where_clause
                .to_token_stream()
                .to_string()
        );
        assert_eq!(
            generated.self_ty.to_token_stream().to_string(),
            "Generic < T >"
        );
        assert!(
            has_attr(generated, "cfg"),
            "the block's cfg gates generated code"
        );
    }
}

#[test]
fn arun_moves_into_a_generated_async_conversation_impl() {
    let impls = expand_ok(
        &CONVERSATION,
        quote! {
            impl Conversation for Local {
                fn agent(&self) -> &dyn Agent { &*self.agent }
                fn run(&self, s: &mut ConversationState, c: &CancellationToken) -> Result<(), BoxError> { Ok(()) }
                /// Kept: docs and attributes travel with the method.
                #[allow(unused_variables)]
                async fn arun(&self, s: &mut ConversationState, c: &CancellationToken) -> Result<(), BoxError> { Ok(()) }
            }
        },
    );
    let [sync_impl, async_impl, record] = impls.as_slice() else {
        panic!("expected three impls, got {}", impls.len());
    };
    assert_eq!(method_names(sync_impl), ["agent", "run", "as_async"]);
    assert_eq!(
        trait_name(async_impl).as_deref(),
        Some("::dispatchlint_runtime::AsyncConversation")
    );
    let ImplItem::Fn(arun) = &async_impl.items[0] else {
        unreachable!()
    };
    assert_eq!(arun.attrs.len(), 2, "doc and allow stay on arun");
    assert_eq!(
        recorded(record),
        (
            "__DISPATCHLINT_CONVERSATION_METHODS".to_owned(),
            vec!["agent".to_owned(), "run".to_owned(), "arun".to_owned()]
        )
    );
}

#[test]
fn sync_only_conversation_records_its_methods() {
    let impls = expand_ok(
        &CONVERSATION,
        quote! {
            impl Conversation for Remote {
                fn agent(&self) -> &dyn Agent { &*self.agent }
                fn run(&self, s: &mut ConversationState, c: &CancellationToken) -> Result<(), BoxError> { Ok(()) }
            }
        },
    );
    assert_eq!(impls.len(), 2);
    assert_eq!(method_names(&impls[0]), ["agent", "run"]);
    assert_eq!(recorded(&impls[1]).1, ["agent", "run"]);
}

#[test]
fn errors_name_what_is_wrong() {
    let none = TokenStream::new();
    let cases = [
        (
            &AGENT,
            quote!(x),
            quote!(impl Agent for A { fn step(&self) {} }),
            "#[agent] takes no arguments",
        ),
        (
            &AGENT,
            none.clone(),
            quote!(struct A;),
            "#[agent] goes on an `impl Agent for Type` block",
        ),
        (
            &AGENT,
            none.clone(),
            quote!(fn step() {}),
            "#[agent] goes on an `impl Agent for Type` block",
        ),
        (
            &AGENT,
            none.clone(),
            quote!(impl A { fn step(&self) {} }),
            "#[agent] goes on an `impl Agent for Type` block, not on an inherent impl",
        ),
        (
            &AGENT,
            none.clone(),
            quote!(impl std::fmt::Debug for A {}),
            "#[agent] goes on an `impl Agent for Type` block, not on an impl of `std::fmt::Debug`",
        ),
        (
            &AGENT,
            none.clone(),
            quote!(impl Conversation for A {}),
            "this implements `Conversation`: use #[conversation] here, #[agent] is for `impl Agent for Type`",
        ),
        (
            &AGENT,
            none.clone(),
            quote!(impl Agent for A { fn step(&self) {} fn astep(&self) {} }),
            "`astep` must be an `async fn`: #[agent] moves it into `impl AsyncAgent`",
        ),
        (
            &AGENT,
            none.clone(),
            quote!(impl Agent for A { fn as_async(&self) -> Option<&dyn AsyncAgent> { None } }),
            "`as_async` is generated by #[agent]: remove it, and write `astep` in this block if the type has one",
        ),
        (
            &CONVERSATION,
            none.clone(),
            quote!(impl Conversation for C { fn arun(&self) {} }),
            "`arun` must be an `async fn`: #[conversation] moves it into `impl AsyncConversation`",
        ),
        (
            &CONVERSATION,
            none,
            quote!(impl Agent for C {}),
            "this implements `Agent`: use #[agent] here, #[conversation] is for `impl Conversation for Type`",
        ),
    ];
    for (role, attr, item, expected) in cases {
        assert_eq!(expand_err(role, attr, item.clone()), expected, "for {item}");
    }
}

#[test]
fn on_error_the_item_survives_without_the_offending_entry() {
    let out = super::expand(
        &AGENT,
        TokenStream::new(),
        quote!(impl Agent for A { fn step(&self) {} fn astep(&self) {} }),
    );
    let file: syn::File = syn::parse2(out).expect("error and fallback parse");
    let kept: Vec<_> = file
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Impl(block) => Some(method_names(block)),
            _ => None,
        })
        .collect();
    assert_eq!(kept, [vec!["step".to_owned()]]);

    let out = super::expand(
        &AGENT,
        TokenStream::new(),
        quote!(
            struct A;
        ),
    );
    let file: syn::File = syn::parse2(out).expect("error and fallback parse");
    assert!(file
        .items
        .iter()
        .any(|item| matches!(item, Item::Struct(_))));
}
