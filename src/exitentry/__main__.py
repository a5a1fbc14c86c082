from exitentry.cli import main

main()
