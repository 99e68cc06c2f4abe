import random

from django.core.management.base import BaseCommand
from django.db import transaction

from assessments import demo as assessments_demo
from households import demo as households_demo
from ledgers import demo as ledgers_demo
from teams import demo as teams_demo


class Command(BaseCommand):
    help = (
        "Create the made-up demo county (codes under 4499: 示例市, 示例县) with townships, "
        "villages, dispatching units, teams and members, and one demo account per role. "
        "Deterministic for a given --seed; running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--households",
            type=int,
            default=300,
            help="How many households the demo county gets (default 300).",
        )
        parser.add_argument("--seed", type=int, default=2016, help="Random seed (default 2016).")

    @transaction.atomic
    def handle(self, *args, households, seed, **options):
        rng = random.Random(seed)
        accounts = teams_demo.seed(rng)
        created = households_demo.seed(random.Random(f"{seed}-households"), households)
        self.stdout.write(f"{created} demo households created.")
        ledgers = ledgers_demo.seed(seed)
        inspections = assessments_demo.seed(seed)
        self.stdout.write("Demo county 示例县 (449901) is ready. Demo accounts:")
        for username, description in accounts:
            self.stdout.write(f"  {username:<12} {teams_demo.DEMO_PASSWORD}  {description}")
        self.stdout.write(f"Ledgers filled for {ledgers} households.")
        self.stdout.write(f"{inspections} demo inspections recorded.")
