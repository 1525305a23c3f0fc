from selgan.cli import main

raise SystemExit(main())
