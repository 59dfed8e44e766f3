//! How many typical lines per second lexing and binding get through: the cost every typed,
//! batched or replayed line pays before a command runs. The goal is at least 1,000,000 lines/s.

use cloudhsm_shell::parse::bind;
use cloudhsm_shell::spec::CommandTable;
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
    group.finish();
}

criterion_group!(benches, parse_and_bind);
criterion_main!(benches);
