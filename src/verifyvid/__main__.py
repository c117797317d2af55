from verifyvid.cli.app import main

main()
