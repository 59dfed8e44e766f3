//! How many typical lines per second lexing and binding get through: the cost every typed,
//! batched or replayed line pays before a command runs. The goal is at least 1,000,000 lines/s.
//! And the worst lines: 1 MiB lines of many words, one huge word, or a mistyped secret flag,
//! bound and screened as the funnel does with a line that fails; the goal is under 100 ms each,
//! which only linear lexing, binding and screening meet.
//!
//! The peer runs in the same groups: `shlex` splitting the same lines into words as a POSIX shell
//! does (quotes and escapes, no table), which is the least any command language parser does.

use cloudhsm_shell::parse::{MAX_LINE_BYTES, bind, lex, screen};
use cloudhsm_shell::table::CommandTable;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

/// Lines as an admin types them, each with a short name for the report.
const LINES: [(&str, &str); 6] = [
    ("user-list", "user list"),
    (
        "login",
        r#"login --username admin --role admin --password "pass word1""#,
    ),
    (
        "user-create",
        "user create --username kmsuser --role crypto-user --password Passw0rd1",
    ),
    (
        "change-password",
        "user change-password --username=kmsuser --role crypto-user",
    ),
    ("help", "help user create"),
    ("comment", "# rotate the kmsuser password before connecting"),
];

fn parse_and_bind(c: &mut Criterion) {
    let table = CommandTable::builtin();
    for (_, line) in LINES {
        assert!(
            bind(&table, line).is_ok(),
            "the benchmark line {line:?} must bind"
        );
    }

    let mut group = c.benchmark_group("parse+bind");
    group.throughput(Throughput::Elements(1));
    for (name, line) in LINES {
        group.bench_function(name, |b| {
            b.iter(|| bind(black_box(&table), black_box(line)).map(|bound| bound.is_some()))
        });
    }
    // One element per line again, so that criterion reports the mix in lines/s too.
    group.throughput(Throughput::Elements(LINES.len() as u64));
    group.bench_function("mix", |b| {
        b.iter(|| {
            for (_, line) in LINES {
                let _ = black_box(bind(black_box(&table), black_box(line)));
            }
        })
    });
    for (_, line) in LINES {
        assert!(shlex::split(line).is_some(), "shlex splits {line:?}");
    }
    group.bench_function("mix-shlex-peer", |b| {
        b.iter(|| {
            for (_, line) in LINES {
                let _ = black_box(shlex::split(black_box(line)).map(|words| words.len()));
            }
        })
    });
    group.finish();
}

/// A line of `prefix` followed by `word` repeated up to just under [`MAX_LINE_BYTES`].
fn long_line(prefix: &str, word: &str) -> String {
    let mut line = prefix.to_owned();
    while line.len() + word.len() < MAX_LINE_BYTES {
        line.push_str(word);
    }
    line
}

fn long_lines(c: &mut Criterion) {
    let table = CommandTable::builtin();
    let lines = [
        ("stray-words", long_line("user list", " a")),
        (
            "list-values",
            long_line("key list --filter", " attr.label=x"),
        ),
        ("one-word", long_line("user list --", "a")),
        ("mistyped-secret", long_line("login --pasword", " a")),
        ("unknown-command", long_line("usr", " a")),
        ("continuations", long_line("user list", " \\\n")),
    ];
    let mut group = c.benchmark_group("1MiB-line");
    group.sample_size(10);
    for (name, line) in &lines {
        group.throughput(Throughput::Bytes(line.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| {
                let bound = bind(black_box(&table), black_box(line));
                let screened = bound.is_err().then(|| screen(&table, line));
                (
                    bound.is_ok(),
                    screened.map(|screened| screened.map(|text| text.len())),
                )
            })
        });
    }
    let (_, many_words) = &lines[0];
    group.throughput(Throughput::Bytes(many_words.len() as u64));
    group.bench_function("lex-only", |b| {
        b.iter(|| lex(black_box(many_words)).map(|tokens| tokens.len()))
    });
    group.bench_function("shlex-peer", |b| {
        b.iter(|| shlex::split(black_box(many_words)).map(|words| words.len()))
    });
    group.finish();
}

criterion_group!(benches, parse_and_bind, long_lines);
criterion_main!(benches);
