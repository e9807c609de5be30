"""The workstation's pages (АРМ): log in, queue, intake, application, person, population."""
