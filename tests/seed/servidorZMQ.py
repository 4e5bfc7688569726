"""A reconstruction of the seed's server, servidorZMQ.py ("Lista Remota"), for zlist's
compatibility tests (tests/it/client.rs).

It behaves as the seed's server does (docs/protocol.md, shared protocol facts): a REP
socket, the request split with msg.split(), the second word as the element, the seed's
reply texts, and no error handling at all: a malformed request (an empty message,
`append` with no element, `insert abc x`) raises, and the server never replies again.
Here the exception ends the script; to every client that is the same as the seed's
wedged socket: no reply, ever.

Usage: python3 servidorZMQ.py PORT   (binds tcp://127.0.0.1:PORT; the seed binds
0.0.0.0:1234, the tests keep to loopback).
"""

import sys

import zmq

HOST = "127.0.0.1"
PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 1234

context = zmq.Context()
socket = context.socket(zmq.REP)
socket.bind(f"tcp://{HOST}:{PORT}")

lista = []

print(f"[DEBUG] Servidor ZeroMQ iniciado em {HOST}:{PORT}", flush=True)
print("[DEBUG] Aguardando conexões e mensagens...", flush=True)

while True:
    print("[DEBUG] Esperando mensagem do cliente...", flush=True)
    mensagem = socket.recv_string()
    print(f"[DEBUG] Mensagem recebida: {mensagem}", flush=True)

    partes = mensagem.split()
    comando = partes[0]

    if comando == "mostrar":
        resposta = str(lista)
    elif comando == "append":
        elemento = partes[1]
        lista.append(elemento)
        resposta = f"Elemento '{elemento}' adicionado."
    elif comando == "insert":
        posicao = int(partes[1])
        elemento = partes[2]
        if 0 <= posicao <= len(lista):
            lista.insert(posicao, elemento)
            resposta = f"Elemento '{elemento}' inserido na posição {posicao}."
        else:
            resposta = f"Posição inválida: {posicao}"
    elif comando == "remover":
        elemento = partes[1]
        if elemento in lista:
            lista.remove(elemento)
            resposta = f"Elemento '{elemento}' removido."
        else:
            resposta = f"Elemento '{elemento}' não encontrado."
    elif comando == "pesquisar":
        elemento = partes[1]
        resposta = "Encontrado" if elemento in lista else "Não encontrado"
    elif comando == "ordenar_cresc":
        lista.sort()
        resposta = "Lista ordenada crescentemente."
    elif comando == "ordenar_desc":
        lista.sort(reverse=True)
        resposta = "Lista ordenada decrescentemente."
    elif comando == "limpar":
        lista.clear()
        resposta = "Lista limpa."
    else:
        resposta = "Comando inválido."

    print(f"[DEBUG] Enviando resposta ao cliente: {resposta}", flush=True)
    socket.send_string(resposta)
    print("[DEBUG] Resposta enviada com sucesso.", flush=True)
