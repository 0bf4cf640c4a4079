from evals.cli import main

main()
