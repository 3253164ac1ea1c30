import VLBlocksCLI

VLBlocksCommand.main()
