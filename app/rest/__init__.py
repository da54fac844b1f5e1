"""REST v1: the seed's *.php routes, dispatched on method and ?action=."""
