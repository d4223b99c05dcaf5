"""Where secret key names come from (files, the cluster), and the references manifests make to them."""
