from ml_intern_cli.main import main

main()
