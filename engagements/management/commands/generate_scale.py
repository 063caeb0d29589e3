from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from engagements.scale import (
    DEFAULT_SEED,
    ROLLUP_LIMIT,
    SCALE_PASSWORD,
    SIZES,
    USERNAME_PREFIX,
    GenerationRefused,
    Shape,
    generate_scale,
)


class Command(BaseCommand):
    help = (
        "Fill an empty database with a large organisation's data for benchmarks: people, "
        "vendors, engagements with contracts, plans, check-ins, KPIs and years of "
        "measurements, risks, compliance and data access. Deterministic; refuses a database "
        "that holds anything else."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="small")
        for name in Shape.__dataclass_fields__:
            parser.add_argument(
                f"--{name.replace('_', '-')}",
                type=int,
                metavar="N",
                help=f"Instead of the size's {name.replace('_', ' ')}.",
            )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        rollup = parser.add_mutually_exclusive_group()
        rollup.add_argument(
            "--rollup",
            action="store_true",
            default=None,
            help=f"Run the KPI rollup afterwards (the default up to {ROLLUP_LIMIT:,} "
            "measurements).",
        )
        rollup.add_argument("--no-rollup", action="store_false", dest="rollup")

    def handle(self, *args: Any, **options: Any) -> None:
        base = SIZES[options["size"]]
        shape = Shape(
            **{
                name: getattr(base, name) if options[name] is None else options[name]
                for name in Shape.__dataclass_fields__
            }
        )
        try:
            result = generate_scale(shape, seed=options["seed"], rollup=options["rollup"])
        except (GenerationRefused, ValueError) as error:
            raise CommandError(str(error)) from None
        if result.already_there:
            self.stdout.write(
                f"This database already holds the organisation of {shape.describe()} "
                f"(seed {result.seed}); nothing to do."
            )
            return
        total = sum(result.seconds.values())
        self.stdout.write(self.style.SUCCESS(f"Generated {shape.describe()} in {total:.1f} s."))
        for name, count in result.rows.items():
            self.stdout.write(f"  {count:>10,}  {name}")
        for name, seconds in result.seconds.items():
            self.stdout.write(f"  {seconds:>9.1f}s  {name}")
        if not result.rolled_up:
            self.stdout.write(
                "KPI rollups not run (left to the benchmark): manage.py rollup_kpis computes them."
            )
        self.stdout.write(
            f"Sign in as {USERNAME_PREFIX}00001 (admin) or any {USERNAME_PREFIX}NNNNN with the "
            f"password {SCALE_PASSWORD}."
        )
