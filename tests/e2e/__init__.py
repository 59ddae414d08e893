"""End to end: real processes and real HTTP against the stand-ins (`standins/`): the
`o2o run` bot against the Bot API stand-in, its crashes, the push lane, Stripe, the shell
in script mode and the stand-ins themselves."""
