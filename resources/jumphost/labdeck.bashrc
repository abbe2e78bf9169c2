# Sourced from /etc/bash.bashrc by every interactive bash on the jumphost.
case $- in *i*) ;; *) return 0 ;; esac

if [ -f /usr/share/bash-completion/bash_completion ] && ! shopt -oq posix; then
  . /usr/share/bash-completion/bash_completion
fi
# Load kubectl's completion now (not lazily) so the short alias completes too.
if [ -f /usr/share/bash-completion/completions/kubectl ]; then
  . /usr/share/bash-completion/completions/kubectl
  alias k=kubectl
  complete -o default -F __start_kubectl k
fi

PS1='\u@\h:\w\$ '
export EDITOR=nano KUBE_EDITOR=nano

. /etc/labdeck/command-recorder.bash
